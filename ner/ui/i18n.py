"""The interface's words in English and Spanish (Gradio follows the browser's language)."""

from __future__ import annotations

import gradio as gr

EN = {
    "title": "Spanish biomedical NER",
    "subtitle": "Find **Concepts, Actions, Predicates and References** in Spanish health text (eHealth-KD 2020), "
    "train models, and correct predictions into new training data.",
    "model": "Model (checkpoint, hub id or local folder)",
    "refresh": "Refresh",
    "no_model": "**No model yet.** Train the instant CRF baseline (seconds, on the CPU) to start.",
    "train_crf": "Train the instant CRF",
    "download": "Download the eHealth-KD corpus",
    "examples": "Examples",
    "tab_analyse": "Analyse",
    "tab_train": "Train",
    "tab_evaluate": "Evaluate",
    "tab_annotate": "Annotate",
    "text": "Spanish health text",
    "analyse": "Analyse",
    "entities": "Entities",
    "upload_txt": "Or upload a .txt file (one document per line)",
    "brat_zip": "Predictions as BRAT (zip)",
    "base_model": "Base model (hub id, local folder, or crf)",
    "epochs": "Epochs",
    "learning_rate": "Learning rate",
    "batch_size": "Batch size",
    "max_length": "Max length (longer sentences are windowed)",
    "patience": "Early-stopping patience (epochs)",
    "freeze": "Freeze word embeddings (faster on a CPU)",
    "include_corrections": "Include the collected corrections",
    "admin_token": "Admin token",
    "start": "Start training",
    "cancel": "Cancel",
    "loss": "Training loss",
    "dev_f1": "Dev F1 (official)",
    "split": "Split",
    "upload_brat": "Or upload a BRAT .zip (scenario.txt + scenario.ann)",
    "evaluate": "Evaluate",
    "compare_with": "Compare with (optional)",
    "error_kind": "Show sentences with",
    "annotate_soon": "The annotation workflow lives here.",
    # the Annotate tab
    "ann_intro": "Correct the model's suggestions one sentence at a time: **select words, press 1–4** "
    "(Ctrl+click adds a separate piece); click an "
    "entity to relabel (1–4) or remove it (Delete); **Enter** accepts and moves on, **X** rejects, **S** skips, "
    "**U** undoes.",
    "ann_annotator": "Annotator",
    "ann_queue": "Queue",
    "ann_order": "Order",
    "ann_order_position": "As given",
    "ann_order_uncertain": "Most uncertain first",
    "ann_load": "Load",
    "ann_add": "Add your own texts (a .txt with one document per line, a BRAT .txt + .ann or .zip, or pasted text)",
    "ann_upload": "Upload .txt, .txt + .ann, or a BRAT .zip",
    "ann_paste": "Or paste text (one document per line)",
    "ann_queue_name": "Queue name (optional)",
    "ann_add_button": "Add and start",
    "ann_export": "Export corrections and agreement",
    "ann_formats": "Formats",
    "ann_export_queue": "Queue",
    "ann_export_annotator": "Annotator (empty: everyone's latest)",
    "ann_export_button": "Export accepted corrections",
    "ann_delete": "Delete the queue chosen above (admin)",
    "ann_archive": "Corrections (zip)",
    "ann_first": "Annotator A",
    "ann_second": "Annotator B",
    "ann_compare": "Compare annotators",
}

ES = {
    "title": "NER biomédico en español",
    "subtitle": "Encuentre **Conceptos, Acciones, Predicados y Referencias** en textos de salud en español "
    "(eHealth-KD 2020), entrene modelos y corrija predicciones para crear nuevos datos de entrenamiento.",
    "model": "Modelo (checkpoint, id del hub o carpeta local)",
    "refresh": "Actualizar",
    "no_model": "**Aún no hay modelo.** Entrene el CRF instantáneo (segundos, en la CPU) para empezar.",
    "train_crf": "Entrenar el CRF instantáneo",
    "download": "Descargar el corpus eHealth-KD",
    "examples": "Ejemplos",
    "tab_analyse": "Analizar",
    "tab_train": "Entrenar",
    "tab_evaluate": "Evaluar",
    "tab_annotate": "Anotar",
    "text": "Texto de salud en español",
    "analyse": "Analizar",
    "entities": "Entidades",
    "upload_txt": "O suba un archivo .txt (un documento por línea)",
    "brat_zip": "Predicciones en BRAT (zip)",
    "base_model": "Modelo base (id del hub, carpeta local o crf)",
    "epochs": "Épocas",
    "learning_rate": "Tasa de aprendizaje",
    "batch_size": "Tamaño de lote",
    "max_length": "Longitud máxima (las frases largas se dividen en ventanas)",
    "patience": "Paciencia de parada temprana (épocas)",
    "freeze": "Congelar los embeddings de palabras (más rápido en CPU)",
    "include_corrections": "Incluir las correcciones recogidas",
    "admin_token": "Token de administración",
    "start": "Empezar a entrenar",
    "cancel": "Cancelar",
    "loss": "Pérdida de entrenamiento",
    "dev_f1": "F1 en dev (oficial)",
    "split": "Partición",
    "upload_brat": "O suba un .zip BRAT (scenario.txt + scenario.ann)",
    "evaluate": "Evaluar",
    "compare_with": "Comparar con (opcional)",
    "error_kind": "Mostrar frases con",
    "annotate_soon": "Aquí vive el flujo de anotación.",
    # the Annotate tab
    "ann_intro": "Corrija las sugerencias del modelo frase a frase: **seleccione palabras y pulse 1–4** "
    "(Ctrl+clic añade otro trozo); haga clic "
    "en una entidad para cambiarle la etiqueta (1–4) o quitarla (Supr); **Intro** acepta y pasa a la siguiente, "
    "**X** rechaza, **S** salta, **U** deshace.",
    "ann_annotator": "Anotador/a",
    "ann_queue": "Cola",
    "ann_order": "Orden",
    "ann_order_position": "Tal como viene",
    "ann_order_uncertain": "Primero las más dudosas",
    "ann_load": "Cargar",
    "ann_add": "Añada sus propios textos (un .txt con un documento por línea, un .txt + .ann BRAT o un .zip, "
    "o texto pegado)",
    "ann_upload": "Suba un .txt, un .txt + .ann o un .zip BRAT",
    "ann_paste": "O pegue texto (un documento por línea)",
    "ann_queue_name": "Nombre de la cola (opcional)",
    "ann_add_button": "Añadir y empezar",
    "ann_export": "Exportar correcciones y acuerdo",
    "ann_formats": "Formatos",
    "ann_export_queue": "Cola",
    "ann_export_annotator": "Anotador/a (vacío: la última respuesta de cualquiera)",
    "ann_export_button": "Exportar las correcciones aceptadas",
    "ann_delete": "Borrar la cola elegida arriba (admin)",
    "ann_archive": "Correcciones (zip)",
    "ann_first": "Anotador/a A",
    "ann_second": "Anotador/a B",
    "ann_compare": "Comparar anotadores",
}

I18N = gr.I18n(en=EN, es=ES)

# Messages built at run time (with figures and names in them), in the language the browser asks for.
MESSAGES = {
    "en": {
        "analysed": "{n} entities · {ms:.0f} ms · `{model}`",
        "crf_trained": "✓ CRF trained on `{split}` → `{name}`",
        "corpus_in": "✓ Corpus in `{folder}`. {notice}",
        "train_done": "✓ Done: checkpoint `{name}` is ready and selectable above.",
        "train_failed": "✗ Training failed: {error}",
        "train_cancelled": "⏹️ Cancelled: no checkpoint was written.",
        "cancelling": "Cancelling at the next step…",
        "nothing_training": "Nothing is training.",
    },
    "es": {
        "analysed": "{n} entidades · {ms:.0f} ms · `{model}`",
        "crf_trained": "✓ CRF entrenado con `{split}` → `{name}`",
        "corpus_in": "✓ Corpus en `{folder}`. {notice}",
        "train_done": "✓ Hecho: el checkpoint `{name}` está listo y puede elegirse arriba.",
        "train_failed": "✗ El entrenamiento falló: {error}",
        "train_cancelled": "⏹️ Cancelado: no se escribió ningún checkpoint.",
        "cancelling": "Cancelando en el próximo paso…",
        "nothing_training": "No hay ningún entrenamiento en curso.",
    },
}


# The annotation editor's words (ner/ui/editor.js), sent with its value; {x} are filled in by the page.
EDITOR = {
    "en": {
        "aria": "Annotation editor",
        "empty": "Load a queue above to start annotating.",
        "finished": "This queue is done 🎉  Undo (U) brings your last answer back.",
        "accept": "Accept",
        "reject": "Reject",
        "skip": "Skip",
        "undo": "Undo",
        "remove": "Remove",
        "saving": "Saving…",
        "failed": "The server did not answer: your edits are still here, try again.",
        "done": "done",
        "left": "left",
        "model": "suggested by",
        "overlap": "Overlapping entities (not drawn):",
        "pick": "Selected “{s}”: press 1–{n} or click a label.",
        "picked": "{l} “{s}” selected: 1–{n} relabels, Delete removes, the arrow keys move, Esc clears.",
        "sticky": "Label {l} is on: every selection becomes {l} (press {k} again to turn it off).",
        "help": "Select words with the mouse (a click takes one word, Shift+click extends from the last word "
        "clicked, Ctrl+click adds a separate piece for a discontinuous entity), then press 1–{n} or click a "
        "label. Click an entity to select it. Striped, dashed entities are the model's unsure guesses "
        "(score < {t}%). Relabelling confirms one.",
    },
    "es": {
        "aria": "Editor de anotación",
        "empty": "Cargue una cola arriba para empezar a anotar.",
        "finished": "Cola terminada 🎉  Deshacer (U) recupera su última respuesta.",
        "accept": "Aceptar",
        "reject": "Rechazar",
        "skip": "Saltar",
        "undo": "Deshacer",
        "remove": "Quitar",
        "saving": "Guardando…",
        "failed": "El servidor no respondió: sus cambios siguen aquí, inténtelo de nuevo.",
        "done": "hechas",
        "left": "quedan",
        "model": "sugerido por",
        "overlap": "Entidades solapadas (no dibujadas):",
        "pick": "Seleccionado «{s}»: pulse 1–{n} o haga clic en una etiqueta.",
        "picked": "{l} «{s}» seleccionada: 1–{n} cambia la etiqueta, Supr la quita, las flechas mueven, Esc anula.",
        "sticky": "Etiqueta {l} activa: cada selección será {l} (pulse {k} otra vez para quitarla).",
        "help": "Seleccione palabras con el ratón (un clic toma una palabra, Mayús+clic amplía desde la última "
        "palabra pulsada, Ctrl+clic añade otro trozo para una entidad discontinua) y pulse 1–{n} o haga clic "
        "en una etiqueta. Haga clic en una entidad para seleccionarla. Las rayadas con borde discontinuo son "
        "dudas del modelo (puntuación < {t} %). Cambiar la etiqueta la confirma.",
    },
}


def language(request: gr.Request | None) -> str:
    """``es`` when the browser's first language is Spanish, else ``en`` (as Gradio's i18n chooses)."""
    header = request.headers.get("accept-language", "") if request is not None else ""
    return "es" if header.strip().lower().startswith("es") else "en"


def say(request: gr.Request | None, key: str, **values) -> str:
    """A run-time message in the request's language."""
    return MESSAGES[language(request)][key].format(**values)


def editor_strings(request: gr.Request | None) -> dict[str, str]:
    """The editor's words in the request's language (a copy: the caller may change it)."""
    return dict(EDITOR[language(request)])


def t(key: str):
    """A translated string for a component label or Markdown."""
    return I18N(key)
