"""Relations between the entities of one sentence (eHealth-KD Task B): scoring, a feature baseline, a transformer.

A relation is a triple ``(kind, origin, destination)`` of entity indexes into the sentence's
``entities`` (``ner.entities.Relation`` is how BRAT holds it; :mod:`ner.relations.triples`
converts). ``same-as`` is symmetric.
"""
