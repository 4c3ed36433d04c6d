"""The web app. The full interface arrives with the app's issue; this placeholder runs."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def main() -> None:
    import gradio as gr

    with gr.Blocks(title="Spanish biomedical NER") as demo:
        gr.Markdown("# Spanish biomedical NER\nThe app is coming: use `python -m ner --help` meanwhile.")
    demo.launch()


if __name__ == "__main__":
    main()
