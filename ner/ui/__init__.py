"""The web app (Gradio): ``app`` builds it from one module per tab; ``common`` is what the tabs share."""
