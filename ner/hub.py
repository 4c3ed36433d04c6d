"""The Hugging Face Hub edge: push an export (:mod:`ner.export`), and check a base model before training from it.

:func:`check_base_model` says plainly, before a run starts, why a base model cannot be
trained from (offline, no such model, no ``config.json``, no token-classification head),
where transformers would fail seconds into the run with its own message.
"""

from __future__ import annotations

import json
from pathlib import Path

from ner import settings
from ner.refusals import Refusal

HUB_TIMEOUT_SECONDS = 5.0  # one request to the Hub's API, no retries
CONFIG_BYTES = 1 << 20  # a config.json is a few KB: a bigger one is not read


def push_to_hub(path: str | Path, repo_id: str | None = None, token: str | None = None, private: bool = True) -> str:
    """Upload an export to a Hugging Face dataset repository; the repository's URL.

    ``repo_id`` defaults to ``$NER_HUB_REPO`` and ``token`` to ``$HF_TOKEN``; without either
    this raises ``ValueError`` before touching the network. A folder saved by
    :func:`ner.export.export_dataset` is pushed as a dataset (``DatasetDict.push_to_hub``);
    any other file or folder is uploaded as it is.
    """
    repo_id = repo_id or settings.hub_repo()
    token = token or settings.hf_token()
    if not token:
        raise ValueError("no Hugging Face token: pass token= or set HF_TOKEN to push to the Hub")
    if not repo_id:
        raise ValueError("no Hub repository: pass repo_id= (e.g. 'user/ehealthkd-corrections') or set NER_HUB_REPO")
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: nothing to push (no such file or folder)")
    if (path / "dataset_dict.json").is_file():
        from datasets import load_from_disk

        load_from_disk(str(path)).push_to_hub(repo_id, token=token, private=private)
        return f"https://huggingface.co/datasets/{repo_id}"
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    if path.is_dir():
        api.upload_folder(folder_path=str(path), repo_id=repo_id, repo_type="dataset")
    else:
        api.upload_file(path_or_fileobj=str(path), path_in_repo=path.name, repo_id=repo_id, repo_type="dataset")
    return f"https://huggingface.co/datasets/{repo_id}"


class BaseModelProblem(Refusal):
    """A base model that a training run cannot start from; the message names the way out (the CRF)."""


def check_base_model(base_model: str, task: str = "entities", timeout: float = HUB_TIMEOUT_SECONDS,
                     endpoint: str | None = None) -> None:
    """Raise :class:`BaseModelProblem` unless a run can start from ``base_model``; ``crf`` always can.

    A folder must hold a readable ``config.json``; a hub id (``owner/name``) is looked up in the
    local cache, then with one request to the Hub (``endpoint``: default ``$HF_ENDPOINT``) that
    waits at most ``timeout`` seconds and respects ``HF_HUB_OFFLINE``. For ``task="entities"``
    the model's type must have a token-classification head in transformers. Nothing is downloaded.
    """
    name = base_model.strip()
    if name.lower() == "crf":
        return
    folder = Path(name).expanduser()
    if folder.is_dir():
        config = _folder_config(name, folder)
    elif name.startswith(("/", ".", "~")) or "\\" in name or "./" in name:  # written as a path
        raise BaseModelProblem("base model folder {model} does not exist", model=name)
    else:
        config = _hub_config(name, timeout, endpoint)
    if task == "entities":
        model_type = str(config.get("model_type") or "?")
        if not can_classify_tokens(model_type):
            raise BaseModelProblem("base model {model} ({model_type}) cannot classify tokens: choose an encoder "
                                   "such as RoBERTa or BERT, or train the CRF instead (base model crf)",
                                   model=name, model_type=model_type[:40])


def can_classify_tokens(model_type: str) -> bool:
    """Whether transformers has a token-classification model for this ``config.json`` ``model_type``."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES

    return model_type in MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES


def hub_problem(model: str, exc: BaseException) -> BaseModelProblem:
    """What a failed lookup of ``model`` on the Hub means for the user (huggingface_hub's exception → a refusal)."""
    from huggingface_hub import errors

    if isinstance(exc, errors.OfflineModeIsEnabled):
        return BaseModelProblem("base model {model}: offline (HF_HUB_OFFLINE is set), the Hugging Face Hub cannot be "
                                "reached and the model is not in the local cache. Use a local model folder, or train "
                                "the CRF instead (base model crf)", model=model)
    if isinstance(exc, errors.GatedRepoError):
        return BaseModelProblem("base model {model} is gated on the Hugging Face Hub: accept its terms on its page "
                                "and set HF_TOKEN, or train the CRF instead (base model crf)", model=model)
    if isinstance(exc, errors.RepositoryNotFoundError):
        return BaseModelProblem("base model {model}: no such model on the Hugging Face Hub, and no such folder here "
                                "(a hub id is written owner/name; a private model needs HF_TOKEN). Or train the CRF "
                                "instead (base model crf)", model=model)
    if isinstance(exc, errors.HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", None) or "?"
        return BaseModelProblem("base model {model}: the Hugging Face Hub answered HTTP {status}. Try again later, "
                                "or train the CRF instead (base model crf)", model=model, status=status)
    error = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
    return BaseModelProblem("base model {model}: the Hugging Face Hub cannot be reached ({error}) and the model is "
                            "not in the local cache. Check the connection, use a local model folder, or train the "
                            "CRF instead (base model crf)", model=model, error=error)


def _folder_config(name: str, folder: Path) -> dict:
    config = folder / "config.json"
    if not config.is_file():
        raise BaseModelProblem("base model folder {model} has no config.json: it is not a transformers model folder",
                               model=name)
    return _read_config(name, config)


def _read_config(name: str, path: Path) -> dict:
    try:
        if path.stat().st_size > CONFIG_BYTES:
            raise ValueError(f"over {CONFIG_BYTES:,} bytes")
        config = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(config, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise BaseModelProblem("base model {model}: its config.json is unreadable ({error})", model=name,
                               error=str(exc)[:160]) from exc
    return config


def _hub_config(name: str, timeout: float, endpoint: str | None) -> dict:
    """The ``config.json`` of hub id ``name``: from the local cache, else from the Hub's API (one request)."""
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(name)
        cached = try_to_load_from_cache(name, "config.json")
    except HFValidationError:
        raise BaseModelProblem("base model {model} is neither a folder here nor a Hugging Face Hub id (owner/name)",
                               model=name[:200]) from None
    if isinstance(cached, str):
        return _read_config(name, Path(cached))
    try:
        info = HfApi(endpoint=endpoint).model_info(name, timeout=timeout, expand=["config"])
    except Exception as exc:  # offline, unreachable, no such model, gated, the Hub's own error
        raise hub_problem(name, exc) from exc
    if not isinstance(info.config, dict) or not info.config:
        raise BaseModelProblem("base model {model} on the Hugging Face Hub has no config.json: it is not a "
                               "transformers model", model=name)
    return info.config
