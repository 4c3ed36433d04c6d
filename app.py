"""Start the web app: ``python app.py`` (host/port: GRADIO_SERVER_NAME / GRADIO_SERVER_PORT)."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def main() -> None:
    import logging

    from ner.settings import Settings
    from ner.ui.app import build_app, launch_kwargs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    demo = build_app(settings)
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a clean exit: atexit runs Hub sync's final push
    on_spaces = bool(os.environ.get("SPACE_ID"))
    demo.queue(default_concurrency_limit=4).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0" if on_spaces else "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        **launch_kwargs(settings),
    )


if __name__ == "__main__":
    main()
