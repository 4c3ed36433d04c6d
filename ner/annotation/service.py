"""The annotation service: queues, ordering, cursors, answers, undo, exports and agreement.

The web app and the CLI both call :class:`AnnotationService`. It returns typed records
(:mod:`ner.annotation.items`: an :class:`~ner.annotation.items.Item`, a ``Progress``, ...)
that the interface renders; who may do what is decided by :mod:`ner.annotation.policy`, from
the :class:`~ner.access.Caller` the web layer made.

A queue suggested by a CRF learns as it is corrected: every ``NER_LIVE_EVERY`` accepted
answers that correct it, a retrained version takes over its suggestions (:mod:`ner.annotation.live`).
Opening a queue pre-annotates its first documents in the request and the rest in the
background (:mod:`ner.annotation.preannotation`); one load, and one annotator's loads in an
hour, hold a bounded amount of text.

Every check runs before anything is written: a refused request leaves the database as it was.
"""

from __future__ import annotations

import json
import tempfile
import threading
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from ner import corpus
from ner.access import Caller
from ner.annotation import policy
from ner.annotation.intake import (
    CORPUS_QUEUES,
    SAMPLE_QUEUE,
    NewDocuments,
    Sent,
    add_to_queue,
    corpus_choices,
    corpus_documents,
    evaluation_documents,
    official_test_sentences,
)
from ner.annotation.items import (
    ACTIONS,
    ORDERS,
    Answered,
    Item,
    Progress,
    QueueItem,
    Saved,
    answer,
    item,
    progress,
    queue_items,
    undo_item,
)
from ner.annotation.live import LiveModels, LivePolicy, LiveVersion, informative
from ner.annotation.preannotation import Preannotator, preannotate, predict_one
from ner.crf import CrfModel
from ner.entities import Document, entities_from_json
from ner.export import FORMATS, Decided, accepted_documents, export_all
from ner.jobs import Busy
from ner.messages import Said
from ner.ordering import uncertain_first, uncertainty
from ner.predict import model_kind
from ner.refusals import Keyed, Refusal
from ner.relations.scoring import relation_agreement
from ner.relations.triples import relations_from_json, triples
from ner.scoring import agreement
from ner.settings import Settings
from ner.store import REVIEW_STATUSES, Answer, Review, Store
from ner.train import TrainSettings

CORPUS_CREDIT = (
    "Corpus text: eHealth-KD 2020 (Knowledge Learning Project, IberLEF 2020), "
    "licensed CC BY-NC-SA 4.0: https://creativecommons.org/licenses/by-nc-sa/4.0/"
)
_MAX_ORDERS = 64  # cached queue orders (each a list of document ids)
_MAX_CURSORS = 10_000


class NotFound(Keyed, LookupError):
    """No such queue or document, as far as this caller may know (English and its values: ner.refusals)."""


class AnnotationService:
    """Owns the annotation store of ``settings.data_dir`` and the queue state; thread-safe."""

    def __init__(self, settings: Settings, models=None, path: Path | None = None):
        self.settings = settings
        self.limits = settings.limits
        self.models = models
        self.path = Path(path) if path is not None else Path(settings.data_dir) / "annotations.db"
        self.database_url = settings.database_url if path is None else None  # PostgreSQL: the path is unused
        self._stores: dict[str, Store] = {}
        self._lock = threading.Lock()
        self._orders: LRUCache[tuple, list[int]] = LRUCache(_MAX_ORDERS)  # (queue, order, model) -> ids
        self._cursors: LRUCache[tuple, int] = LRUCache(_MAX_CURSORS)  # (queue, order, model, annotator) -> index
        self._seen: LRUCache[tuple, int] = LRUCache(_MAX_CURSORS)  # (queue, annotator) -> live version last shown
        policy = LivePolicy(settings.live_every, settings.live_queue_seconds, settings.live_per_hour)
        self.live = LiveModels(policy, self._live_training_documents)
        self.preannotator = Preannotator(lambda: self.store(synchronous="NORMAL"), self.limits.preannotation_jobs,
                                         on_done=self._forget_orders)
        self._training: list[Document] | None = None
        self._sync = None  # ner.sync.HubSync, made by start_sync

    # ------------------------------------------------------------ stores

    @property
    def private(self) -> bool:
        """Queues and answers are per annotator (a login, or a public deployment)."""
        return self.settings.login or self.settings.public

    def store(self, create: bool = True, synchronous: str = "FULL") -> Store | None:
        """The store, opened on first use (``create=False``: None while there is no database file).

        Answers are written with ``FULL`` sync (they survive a power cut); model suggestions,
        which can be computed again, go through a ``NORMAL`` connection, faster in bulk.
        """
        with self._lock:
            if synchronous not in self._stores:
                if not create and self.database_url is None and not self.path.exists():
                    return None
                self._stores[synchronous] = Store(self.database_url or self.path, synchronous=synchronous)
            return self._stores[synchronous]

    def start_sync(self) -> None:
        """Hub sync (``NER_HUB_SYNC``): restore an empty store from the Hub dataset, then push every few minutes.
        Call before taking requests; does nothing when the setting is unset."""
        if self.settings.hub_sync and self._sync is None:
            from ner.settings import hf_token
            from ner.sync import HubSync

            self._sync = HubSync(self.store(), self.settings.hub_sync, self.path.parent / "hub-sync",
                                 self.settings.hub_sync_minutes, token=hf_token())

    def sync_status(self) -> dict | None:
        """``{"last_push": epoch seconds or None, "unpushed": answers, "error": str or None}``; None without sync."""
        if self._sync is None:
            return None
        return {"last_push": self._sync.last_push, "unpushed": self._sync.unpushed(), "error": self._sync.error}

    def stop_sync(self) -> None:
        """The final push (a clean shutdown)."""
        if self._sync is not None:
            self._sync.stop()

    def close(self) -> None:
        with self._lock:
            stores, self._stores = list(self._stores.values()), {}
        for store in stores:
            store.close()

    # ------------------------------------------------------------ identity and queues

    def annotator(self, caller: Caller) -> str:
        """The caller's annotator name; ``Forbidden`` when this deployment needs a login and there is none."""
        return policy.annotator(caller, self.private, self.settings.login)

    def _may_see(self, caller: Caller, owner: str | None) -> bool:
        return policy.may_see(caller, owner, self.private)

    def queue_choices(self, caller: Caller) -> list[tuple[str, str]]:
        """The corpus queues, then every queue the caller may open (with its size)."""
        choices = corpus_choices()
        known = {value for _, value in choices}
        store = self.store(create=False)
        for q in store.queues() if store else []:
            if q.name not in known and self._may_see(caller, q.owner):
                choices.append((f"{q.name} ({q.size})", q.name))
        return choices

    def _check_queue(self, store: Store, caller: Caller, queue: Any) -> str:
        if not isinstance(queue, str) or not queue:
            raise Refusal("load a queue first")
        q = store.queue(queue)
        if q is None or q.deleted or not self._may_see(caller, q.owner):
            raise NotFound("no queue named {queue!r}", queue=queue)
        return queue

    def delete_queue(self, caller: Caller, queue: str) -> None:
        """Take a queue off every list (admin); its documents and answers stay in the history."""
        policy.require_admin(caller, policy.DELETE)
        store = self.store(create=False)
        if store is None or not store.delete_queue(queue):
            raise NotFound("no queue named {queue!r}", queue=queue)
        self.preannotator.cancel(queue)
        self._forget_orders(queue)

    def _forget_orders(self, queue: str) -> None:
        """Drop the queue's cached orders (its suggestions changed: they are computed again when asked for)."""
        with self._lock:
            for key in [k for k in self._orders if k[0] == queue]:
                self._orders.pop(key, None)

    # ------------------------------------------------------------ opening a queue

    def open_queue(self, caller: Caller, queue: str, order: str, model: str | None, new: NewDocuments | None = None,
                   on_progress: Callable[[int, int], None] | None = None) -> Item:
        """Fill a queue (from the corpus, ``new`` documents, or as stored), pre-annotate it; the editor's first item.

        Everything is checked first (the annotator, the order, the model, the queue's owner
        and size, the caller's number of queues, the text of this load and of the caller's
        loads in the last hour); only then are documents written. The first documents (up to
        ``Limits.preannotate_now_chars`` characters) are pre-annotated here, the rest in the
        background (:class:`~ner.annotation.preannotation.Preannotator`).
        """
        name = self.annotator(caller)
        order = _order(order)
        predictor = self._predictor(caller, model)
        corpus = new is None and queue in (*CORPUS_QUEUES, SAMPLE_QUEUE)
        if corpus:
            new = corpus_documents(queue)
        store = self.store()
        if new is not None:
            queue = new.queue
            self._check_new_documents(store, caller, name, new, shared=corpus)
            store.create_queue(queue, None if corpus else name)
            ids = add_to_queue(store, new)
        else:
            queue = self._check_queue(store, caller, queue)
            ids = store.document_ids(queue)
        predicted, later = self._preannotate(queue, ids, predictor, on_progress)
        self._forget_orders(queue)
        said = [Said("ann_msg_queue", {"queue": queue, "n": len(set(ids))})]
        if predictor is None:
            said.append(Said("ann_msg_no_model"))
        elif predicted or later:
            said.append(Said("ann_msg_preannotated", {"n": predicted, "model": Path(str(predictor.name)).name}))
            if later:
                said.append(Said("ann_msg_background", {"n": later}))
        return self._next(store, caller, name, queue, order, predictor).saying(*said)

    def _preannotate(self, queue: str, ids: list[int], predictor, on_progress=None) -> tuple[int, int]:
        """The first documents now, the rest as a background job; ``(predicted now, left to the job)``.

        When the background has no room, what is left is suggested item by item as served.
        """
        if predictor is None:
            return 0, 0
        store = self.store(synchronous="NORMAL")
        todo = store.unsuggested(ids, str(predictor.name))
        if not todo:
            return 0, 0
        relations = self._relations()
        n = preannotate(store, todo, predictor, on_progress=on_progress, chars=self.limits.preannotate_now_chars,
                        relations=relations)
        rest = todo[n:]
        if rest and self.preannotator.submit(queue, rest, predictor, relations) is not None:
            return n, len(rest)
        return n, 0

    def _check_new_documents(self, store: Store, caller: Caller, name: str, new: NewDocuments, shared: bool) -> None:
        """Refuse new documents before anything is written: a name taken by another, too many queues or documents."""
        q = store.queue(new.queue)
        if not shared:
            if new.queue in (*CORPUS_QUEUES, SAMPLE_QUEUE):
                raise Refusal("{queue!r} is the name of a corpus queue: choose another name", queue=new.queue)
            taken = q is not None and (q.deleted or not policy.may_take_name(caller, q.owner, self.private, name))
            if taken:
                raise Refusal("a queue named {queue!r} already exists: choose another name", queue=new.queue)
            if q is None:
                mine = sum(1 for x in store.queues(deleted=True) if x.owner == name)
                if mine >= self.limits.queues_per_annotator:
                    raise Refusal("you have made {n} queues, the limit is {limit}", n=mine,
                                  limit=self.limits.queues_per_annotator)
        size = q.size if q is not None else 0
        if size + len(new.docs) > self.limits.queue_documents:
            raise Refusal("queue {queue!r} would hold {n:,} documents (the limit is {limit:,})",
                          queue=new.queue, n=size + len(new.docs), limit=self.limits.queue_documents)
        if shared:
            return
        chars = sum(len(d.text) for d in new.docs)
        if chars > self.limits.queue_load_chars:
            raise Refusal("{n:,} characters of text at once (the limit is {limit:,}): "
                          "split it into several queues", n=chars, limit=self.limits.queue_load_chars)
        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="microseconds")
        recent = store.chars_added(name, since)
        if recent + chars > self.limits.annotator_chars_per_hour:
            raise Refusal("you added {n:,} characters of text in the last hour and this adds "
                          "{more:,} (the limit is {limit:,} an hour): try again later", n=recent, more=chars,
                          limit=self.limits.annotator_chars_per_hour)

    def _relations(self):
        """The app's newest relation model, which suggests relations beside the entities (None: there is none)."""
        if self.models is None or self.models.default("relations") is None:
            return None
        try:
            return self.models.relations("", admin=True)  # a listed checkpoint: anyone's suggestions may use it
        except ValueError:
            return None

    def _predictor(self, caller: Caller, model: str | None, quiet: bool = False):
        """The model that suggests entities, or None when there is none yet."""
        if self.models is None or (not (model or "").strip() and self.models.default() is None):
            return None
        try:
            return self.models.get(model, admin=caller.admin)
        except ValueError:
            if quiet:
                return None
            raise

    # ------------------------------------------------------------ sending evaluation sentences to a queue

    def send_to_queue(self, caller: Caller, queue: Any, documents: Sequence[Document], model: str | None) -> Sent:
        """Put sentences into a queue (a model's errors, from the Evaluate tab), pre-annotated by ``model``.

        ``queue`` is a typed name (tidied); a new queue is the caller's. The checks are those of
        adding documents in the Annotate tab (the name, the queues and documents per annotator,
        the text at once and in an hour), on the sentences not in the queue yet: sending the same
        sentences again adds nothing. A sentence of an official test set is refused: answers
        can become training data, and training on test sentences spoils their score. The gold
        entities are not sent; the model's predictions become the suggestions, as when a queue
        is opened (the first ones now, the rest in the background).
        """
        name = self.annotator(caller)
        predictor = self._predictor(caller, model)
        new = evaluation_documents(queue, documents)
        if not new.docs:
            raise Refusal("no sentences to send: choose a kind of error that shows some")
        leaked = official_test_sentences(new.docs)
        if leaked:
            raise Refusal("{n} of these sentences belong to the official test set, which is never sent to a queue "
                          "(corrections can become training data, and training on test sentences spoils their "
                          "score): send dev sentences or your own gold file", n=len(leaked))
        store = self.store()
        there = set(store.texts(store.document_ids(new.queue))) if store.queue(new.queue) else set()
        fresh = replace(new, docs=[d for d in new.docs if d.text not in there])
        self._check_new_documents(store, caller, name, fresh, shared=False)
        store.create_queue(new.queue, name)
        ids = add_to_queue(store, new)
        predicted, later = self._preannotate(new.queue, ids, predictor)
        self._forget_orders(new.queue)
        shown = None if predictor is None else Path(str(predictor.name)).name  # never a server path
        return Sent(new.queue, len(fresh.docs), len(new.docs) - len(fresh.docs), shown, predicted, later)

    # ------------------------------------------------------------ the queue's order

    def queue_order(self, store: Store, queue: str, order: str, predictor=None, refresh: bool = False,
                    live: LiveVersion | None = None) -> list[int]:
        """Document ids of a queue in ``order`` (``position``: as added; ``uncertain``: most uncertain first).

        Ranking by uncertainty reads every suggestion of ``predictor`` (the model's name),
        too slow to redo after each answer of a large queue, so it is computed once per
        (queue, order, model) and kept (a few). A ``live`` version ranks in memory, without
        writing a suggestion: the next unanswered items of its base model's order, up to
        ``Limits.live_rank_chars`` characters, come first by its uncertainty, the rest after.
        """
        order = _order(order)
        if order == "position":
            return store.document_ids(queue)
        model = str(live.model.name) if live is not None else (_model_name(predictor) or "")
        key = (queue, order, model)
        with self._lock:
            ids = None if refresh else self._orders.get(key)
        if ids is None:
            if live is not None:
                ids = self._live_order(store, queue, self.queue_order(store, queue, order, predictor), live)
            else:
                ids = [it.id for it in store.next_items(queue, "", order=order, model=model or None)]  # "": all
            with self._lock:
                self._orders[key] = ids
        return ids

    def _live_order(self, store: Store, queue: str, base: list[int], live: LiveVersion) -> list[int]:
        unanswered = set(store.unanswered_ids(queue))
        window, chars = [], 0
        for doc_id in base:
            if chars >= self.limits.live_rank_chars:
                break
            if doc_id in unanswered:
                window.append(doc_id)
                chars += len(store.texts([doc_id])[0])
        if not window:
            return base
        found = live.model.predict(store.texts(window))
        ranked = [window[i] for i in uncertain_first([uncertainty(ents) for ents in found])]
        chosen = set(ranked)
        return ranked + [doc_id for doc_id in base if doc_id not in chosen]

    def _next_unanswered(self, store: Store, queue: str, annotator: str, order: str, predictor,
                         live: LiveVersion | None) -> int | None:
        """The first document in the queue's order the annotator has not answered, from where they were.

        The answered documents come from one query; the search starts at the annotator's cursor
        and then wraps round (undone answers, answers given in another session).
        """
        ids = self.queue_order(store, queue, order, predictor, live=live)
        answered = store.answered_ids(queue, annotator)
        key = (queue, order, str(live.model.name) if live else (_model_name(predictor) or ""), annotator)
        with self._lock:
            start = min(self._cursors.get(key, 0), len(ids))
        found = next((i for i in (*range(start, len(ids)), *range(start)) if ids[i] not in answered), None)
        if found is None:
            return None
        with self._lock:
            self._cursors[key] = found
        return ids[found]

    def _next(self, store: Store, caller: Caller, name: str, queue: str, order: str, predictor) -> Item:
        live = self.live.current(queue, _model_name(predictor))
        doc_id = self._next_unanswered(store, queue, name, order, predictor, live)
        if live is not None:  # the queue's newest live version suggests from now on
            predictor = live.model
        notice = self._news(queue, name, live)
        if doc_id is None:
            return self._dressed(item(store, queue, name, None))
        suggestion = self._suggestion(store, doc_id, _model_name(predictor), predictor)
        return replace(self._dressed(item(store, queue, name, doc_id, suggestion=suggestion)), notice=notice)

    def _news(self, queue: str, name: str, live: LiveVersion | None) -> Said | None:
        """"Suggestions updated" when ``live`` is newer than what the annotator was last shown in the queue."""
        version = live.version if live is not None else 0
        with self._lock:
            before = self._seen.get((queue, name))
            self._seen[(queue, name)] = version
        if live is None or before is None or before >= version:
            return None
        return Said("ann_msg_updated", {"model": str(live.model.name), "n": live.answers})

    def _suggestion(self, store: Store, doc_id: int, model: str | None, predictor):
        """The document's suggestion by ``model``, made now if it has none (lazily: only what is shown)."""
        found = (store.latest_suggestion(doc_id, model) if model else None)
        if found is None and predictor is not None and store.unsuggested([doc_id], str(predictor.name)):
            predict_one(self.store(synchronous="NORMAL"), doc_id, predictor, self._relations())
            found = store.latest_suggestion(doc_id, model)
        return found or store.latest_suggestion(doc_id)

    def _dressed(self, found: Item) -> Item:
        """The item with what goes beside any item: the corpus credit, background pre-annotation, retraining."""
        job = self.preannotator.job(found.queue)
        return replace(found, credit=found.queue in CORPUS_QUEUES, retraining=self.live.retraining(found.queue),
                       preannotation=(job.done, job.total) if job is not None else None)

    # ------------------------------------------------------------ items and answers

    def next_item(self, caller: Caller, queue: str, order: str = "position", model: str | None = None) -> Item:
        """The next unanswered item of a queue for the caller (``finished`` when none is left)."""
        name, store = self.annotator(caller), self.store()
        queue = self._check_queue(store, caller, queue)
        return self._next(store, caller, name, queue, _order(order), self._predictor(caller, model, quiet=True))

    def answer(self, caller: Caller, doc: Any, action: str, entities: Any, suggestion: Any = None,
               model: str | None = None, relations: Any = None) -> Saved:
        """Save the caller's ``accept``, ``reject`` or ``skip`` for a document; what was saved (``Saved``)."""
        name, store = self.annotator(caller), self.store()
        if isinstance(doc, bool) or not isinstance(doc, int):
            raise Refusal("no document to answer: load a queue first")
        try:
            queue = store.document_queue(doc)
        except ValueError:
            raise NotFound("unknown document id {doc!r}", doc=doc) from None
        self._check_queue(store, caller, queue)
        saved = answer(store, doc, name, action, entities, suggestion, relations)
        if saved.status == "accepted":
            self._after_accept(caller, saved, model)
        return saved

    def act(self, caller: Caller, request: Any, order: str, model: str | None) -> Item:
        """Carry out an editor request ``{action, doc, queue, suggestion, entities}``; the item that comes next."""
        if not isinstance(request, dict):
            raise Refusal("the editor sent no request")
        action, queue = request.get("action"), request.get("queue")
        if action == "undo":
            found = self.undo(caller, queue)
            if found is None:
                raise LookupError("nothing to undo in this queue")
            return found
        self.answer(caller, request.get("doc"), action, request.get("entities"), request.get("suggestion"), model,
                    request.get("relations"))
        return self.next_item(caller, queue, order, model).saying(Said(f"ann_msg_{ACTIONS[action]}"))

    def save(self, caller: Caller, doc: Any, status: str, entities: Any, queue: str = "",
             order: str = "position", model: str | None = None, relations: Any = None) -> Answered:
        """An answer given by status (``accepted`` or ``accept``…): its id and the item that comes next."""
        action = {v: k for k, v in ACTIONS.items()}.get(status, status)
        saved = self.answer(caller, doc, action, entities, model=model, relations=relations)
        return Answered(saved.id, self.next_item(caller, queue or saved.queue, order, model))

    def undo(self, caller: Caller, queue: str) -> Item | None:
        """Retract the caller's last answer in the queue; that item again, or None."""
        name, store = self.annotator(caller), self.store()
        queue = self._check_queue(store, caller, queue)
        found = undo_item(store, queue, name)
        return None if found is None else self._dressed(found)

    # ------------------------------------------------------------ browsing a queue

    def items(self, caller: Caller, queue: str, search: str = "") -> list[QueueItem]:
        """The queue's documents with their state for the caller (:func:`queue_items`); ``search``: text to find."""
        name, store = self.annotator(caller), self.store()
        queue = self._check_queue(store, caller, queue)
        words = (search or "").strip().casefold()
        return [it for it in queue_items(store, queue, name)
                if not words or words in it.text.casefold() or words in str(it.name).casefold()]

    def open_item(self, caller: Caller, queue: str, doc: Any, model: str | None = None) -> Item:
        """One document of a queue, answered or not: with the caller's current answer, else the suggestion."""
        name, store = self.annotator(caller), self.store()
        queue = self._check_queue(store, caller, queue)
        if isinstance(doc, bool) or not isinstance(doc, int) or doc not in set(store.document_ids(queue)):
            raise NotFound("no document {doc!r} in queue {queue!r}", doc=doc, queue=queue)
        predictor = self._predictor(caller, model, quiet=True)
        live = self.live.current(queue, _model_name(predictor))
        if live is not None:
            predictor = live.model
        suggestion = self._suggestion(store, doc, _model_name(predictor), predictor)
        mine = store.current_answer(doc, name)
        said = (Said("ann_msg_revising", {"status": mine.status}),) if mine else ()
        return self._dressed(item(store, queue, name, doc, answer=mine, suggestion=suggestion, said=said))

    # ------------------------------------------------------------ live suggestions

    def _live_training_documents(self) -> list[Document]:
        """The annotated documents of the training split the app trains on (read once)."""
        if self._training is None:
            split = corpus.default_splits(self.settings.train_split)["train_split"]
            self._training = [d for d in corpus.load(split) if d.annotated]
        return self._training

    def _after_accept(self, caller: Caller, saved: Saved, model: str | None = None) -> bool:
        """Count an accepted answer toward the queue's next live version; retrain when one is due (see :mod:`live`)."""
        if self.live.every <= 0:
            return False
        predictor = self._predictor(caller, model, quiet=True)
        if predictor is None or not isinstance(getattr(predictor, "inner", predictor), CrfModel):
            return False  # live versions are for the CRF; a transformer is updated through the Train tab
        store, queue = self.store(), saved.queue

        def accepted() -> list[Document]:
            return store.latest_answers(status="accepted", queue=queue)

        def publish(live: LiveVersion) -> None:  # its uncertain order, in memory; suggestions come as items are shown
            self._forget_orders(queue)
            self.queue_order(store, queue, "uncertain", predictor, live=live)

        return self.live.after_accept(queue, _model_name(predictor), informative(saved.entities, saved.suggested),
                                      accepted, publish, lambda: store.accepted_count(queue))

    def progress(self, caller: Caller, queue: str) -> Progress:
        """The caller's progress through a queue, and what the background pre-annotation has still to reach."""
        name, store = self.annotator(caller), self.store()
        queue = self._check_queue(store, caller, queue)
        job = self.preannotator.job(queue)
        return progress(store, queue, name, job.total - job.done if job else 0)

    # ------------------------------------------------------------ admin: people, exports, agreement

    def annotators(self, caller: Caller) -> list[str]:
        """Everyone who has answered something (admin)."""
        policy.require_admin(caller, policy.ANNOTATORS)
        store = self.store(create=False)
        return store.annotators() if store else []

    def accepted(self, caller: Caller, queue: str | None = None, annotator: str | None = None) -> list[Document]:
        """The latest accepted answer of every document (admin): the corrections that training and exports use."""
        policy.require_admin(caller, policy.ANSWERS)
        store = self.store(create=False)
        return store.latest_answers((annotator or "").strip() or None, "accepted", queue or None) if store else []

    def decisions(self, caller: Caller, queue: str | None = None, annotator: str | None = None) -> list[Decided]:
        """Every accepted and rejected document with who decided it, how and when (admin): what the JSONL export holds.

        The accepted ones are :meth:`accepted`'s; see :meth:`ner.store.Store.latest_decisions`.
        """
        policy.require_admin(caller, policy.ANSWERS)
        store = self.store(create=False)
        if store is None:
            return []
        return [_record(doc, record) for doc, record in
                store.latest_decisions((annotator or "").strip() or None, queue or None)]

    def export(self, caller: Caller, out: Path, formats: list[str] | None = None, queue: str | None = None,
               annotator: str | None = None) -> Path:
        """The annotations in ``formats``, zipped into ``out/corrections.zip`` (admin).

        The JSONL holds the rejected documents too, each line with who answered, how and when
        (:class:`ner.export.Decided`); BRAT, the dataset and CoNLL the accepted ones.
        """
        items = self.decisions(caller, queue, annotator)
        if not accepted_documents(items):
            if queue:
                raise Refusal("no accepted corrections to export yet in «{queue}»", queue=queue)
            raise Refusal("no accepted corrections to export yet")
        unknown = [f for f in formats or () if f not in FORMATS]
        if unknown:
            raise Refusal("unknown export format {format!r} (expected some of {formats})",
                          format=unknown[0], formats=", ".join(FORMATS))
        with tempfile.TemporaryDirectory(prefix="ner-corrections-") as tmp:
            export_all(items, Path(tmp) / "corrections", formats or FORMATS)
            archive = Path(out) / "corrections.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
                for path in sorted((Path(tmp) / "corrections").rglob("*")):
                    if path.is_file():
                        z.write(path, path.relative_to(tmp).as_posix())
        return archive

    def agreement(self, caller: Caller, first: str | None, second: str | None, queue: str | None = None
                  ) -> list[dict]:
        """Agreement of two annotators on every document both accepted or rejected (admin).

        Rows of :func:`ner.scoring.agreement` (F1 and Cohen's kappa over words; an item one
        accepted and the other rejected is a disagreement), then
        :func:`ner.relations.scoring.relation_agreement`'s.
        """
        policy.require_admin(caller, policy.AGREEMENT)
        if not first or not second or first == second:
            raise Refusal("choose two different annotators")
        store = self.store(create=False)
        if store is None:
            raise Refusal("nothing has been annotated yet")
        (docs_a, rejected_a), (docs_b, rejected_b) = (_decided_by(store, name, queue) for name in (first, second))
        rows = agreement(docs_a, docs_b, rejected_a, rejected_b)
        if not rows or not rows[0]["items"]:
            raise Refusal("{first} and {second} have answered no document in common yet", first=first, second=second)
        return rows + relation_agreement(docs_a, docs_b, rejected_a, rejected_b)

    # ------------------------------------------------------------ admin: reviewing conflicts

    def conflicts(self, caller: Caller, queue: str | None = None, open_only: bool = True) -> list:
        """Documents whose annotators disagree (:meth:`ner.store.Store.conflicts`; open ones by default), admin."""
        policy.require_admin(caller, policy.REVIEW)
        store = self.store(create=False)
        return store.conflicts(queue or None, open_only) if store else []

    def review(self, caller: Caller, doc: Any, pick: str | None = None, entities: Any = None) -> int:
        """Settle a conflict (admin): take ``pick``'s current answer as it is, or save ``entities``; the review id.

        ``entities`` (the edited, merged answer, saved as accepted) is, or is the JSON text of,
        ``{"entities": [...], "relations": [...]}`` or a bare list of entities: each entity
        ``{label, start, end}`` or ``{label, fragments}`` (:func:`ner.entities.entities_from_json`),
        each relation ``{type, from, to}`` with indexes into that list
        (:func:`ner.relations.triples.relations_from_json`). From then on exports and
        training use the review.
        """
        policy.require_admin(caller, policy.REVIEW)
        store = self.store(create=False)
        if isinstance(doc, bool) or not isinstance(doc, int) or store is None:
            raise Refusal("choose a document in conflict first")
        try:
            text = store.document(doc).text
        except ValueError:
            raise NotFound("unknown document id {doc!r}", doc=doc) from None
        reviewer = (caller.name or "").strip() or "admin"
        if pick:
            answer = store.current_answer(doc, pick)
            if answer is None or answer.status not in REVIEW_STATUSES:
                raise Refusal("{pick} has no accepted or rejected answer for document {doc}", pick=pick, doc=doc)
            kept = triples(Document("", text, answer.entities, answer.relations))
            return store.save_review(doc, reviewer, answer.status, answer.entities, chosen=pick, relations=kept)
        if entities is None or (isinstance(entities, str) and not entities.strip()):
            raise Refusal("pick one annotator's answer, or give the merged entities as JSON")
        if isinstance(entities, str):
            try:
                entities = json.loads(entities)
            except json.JSONDecodeError as exc:
                raise Refusal("the merged entities are not JSON ({error}, character {at})",
                              error=exc.msg, at=exc.pos) from None
        relations = None
        if isinstance(entities, dict):
            entities, relations = entities.get("entities"), entities.get("relations")
        where = f"merged entities of document {doc}"
        ents = entities_from_json(text, entities, where)
        rels = relations_from_json(relations, len(ents), f"merged relations of document {doc}")
        return store.save_review(doc, reviewer, "accepted", ents, relations=rels)

    # ------------------------------------------------------------ admin: updating a transformer

    def update_model(self, caller: Caller, jobs, queue: str, model: str | None, epochs: int = 3) -> tuple[Any, int]:
        """Fine-tune the queue's transformer on the queue's accepted (reviewed) answers, as a run of ``jobs`` (admin).

        The base model is the checkpoint that suggests for the queue (``model``; empty: the
        default one); the run trains on the app's training split plus those answers for
        ``epochs`` epochs and shows in the Train tab. Refused for a CRF (it updates itself as
        answers are accepted), while a run is going, and when the queue has no accepted answer.
        Returns the run's :class:`ner.train.TrainSettings` and the number of answers it adds.
        """
        policy.require_admin(caller, policy.UPDATE)
        if self.models is None:
            raise Refusal("no model to update")
        base = self.models.resolve(model, admin=True)
        if model_kind(base) == "crf":
            raise Refusal("the CRF updates itself as answers are accepted: there is nothing "
                          "to start; this button is for a transformer")
        if jobs.running:
            raise _busy()
        store = self.store(create=False)
        if store is None:
            raise Refusal("nothing has been annotated yet")
        queue = self._check_queue(store, caller, queue)
        extra = store.latest_answers(status="accepted", queue=queue)
        if not extra:
            raise Refusal("no accepted answers in «{queue}» yet: nothing to learn from", queue=queue)
        splits = corpus.default_splits(self.settings.train_split)
        settings = TrainSettings(base_model=base, epochs=int(epochs), **splits)
        try:
            jobs.start(settings, extra)
        except Busy:
            raise _busy() from None
        return settings, len(extra)


def _busy() -> Refusal:
    return Refusal("a training run is already going: follow it (or cancel it) in the Train tab")


def _model_name(predictor) -> str | None:
    return None if predictor is None else str(predictor.name)


def _order(order: str | None) -> str:
    order = order or "position"
    if order not in ORDERS:
        raise Refusal("unknown order {order!r} (expected one of {orders})", order=order,
                      orders=", ".join(ORDERS))
    return order


def _decided_by(store: Store, annotator: str, queue: str | None) -> tuple[list[Document], set[str]]:
    """An annotator's current accepted and rejected documents (id: the document's name), and the ids rejected."""
    found = [(a, d) for a, d in store.current_answers(annotator, None, queue or None) if a.status in REVIEW_STATUSES]
    return [d for _, d in found], {d.id for a, d in found if a.status == "rejected"}


def _record(doc: Document, record: Answer | Review) -> Decided:
    """A store's decision as the export writes it: a review names the annotator it took (else the reviewer)."""
    answer = "accept" if record.status == "accepted" else "reject"
    if isinstance(record, Review):
        return Decided(doc, answer, record.chosen or record.reviewer, record.created, record.reviewer)
    return Decided(doc, answer, record.annotator, record.created)
