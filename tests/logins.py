"""Signing in as a script does: the Annotate tab's ``/sign_in`` endpoint, then its pass as the page's cookie."""


def sign_in(url: str, user: str, password: str) -> str:
    """The pass of an ``NER_USERS`` login, as a script gets it: the ``/sign_in`` endpoint."""
    from gradio_client import Client

    return Client(url, verbose=False).predict(user, password, api_name="/sign_in")


def signed_in_client(url: str, user: str, password: str):
    """A ``gradio_client.Client`` that sends the login's pass as the page does: the ``ner-pass`` cookie."""
    from gradio_client import Client

    return Client(url, headers={"Cookie": f"ner-pass={sign_in(url, user, password)}"}, verbose=False)


def signed_in_http(url: str, user: str, password: str):
    """A plain HTTP client with the login's ``ner-pass`` cookie."""
    import httpx

    return httpx.Client(base_url=url.rstrip("/"), timeout=60, cookies={"ner-pass": sign_in(url, user, password)})
