"""Push an export to the Hugging Face Hub: the network edge of :mod:`ner.export`."""

from __future__ import annotations

from pathlib import Path

from ner import settings


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
