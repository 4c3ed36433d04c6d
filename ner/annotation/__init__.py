"""Annotation: queues of documents, model suggestions, people's answers, and who may touch what.

``service.AnnotationService`` is the one entry point (the web app and the CLI both call it);
``items`` shapes what the editor shows and sends back; ``intake`` turns uploads, pasted
text and the corpus into new documents for a queue; ``preannotation`` has a model suggest
entities (the first items at once, the rest in the background); ``live`` retrains the CRF
as a queue is corrected. How items are ranked by uncertainty is :mod:`ner.ordering`.
"""
