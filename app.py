"""Start the web app: ``python app.py`` (host/port: GRADIO_SERVER_NAME / GRADIO_SERVER_PORT)."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def main() -> None:
    from ner.ui.app import build_app, launch_kwargs

    demo = build_app()
    on_spaces = bool(os.environ.get("SPACE_ID"))
    demo.queue(default_concurrency_limit=4).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0" if on_spaces else "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        **launch_kwargs(),
    )


if __name__ == "__main__":
    main()
