"""The interface's words in English and Spanish (Gradio follows the browser's language)."""

from __future__ import annotations

import string

import gradio as gr

from ner.entities import LABELS
from ner.ui.render import label_name

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
    "upload_txt": "A .txt file, one document per line",
    "brat_zip": "Predictions as BRAT (zip)",
    "text_info": "Ctrl+Enter analyses",
    "file_accordion": "Analyse a .txt file (one document per line) into BRAT predictions",
    "crf_note": "The CRF baseline trains in seconds on the CPU: epochs, learning rate, batch size and the "
    "other settings are for transformers.",
    "metrics": "Metrics (official Task A + nervaluate)",
    "no_model_corpus": "**No model yet.** Train the instant CRF (seconds, on the CPU) on the bundled sample, or "
    "download the eHealth-KD corpus first to train it on real data.",
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
    "eval_previous": "‹ Previous page",
    "eval_next": "Next page ›",
    "error_kind": "Show sentences with",
    # the Evaluate tab
    "eval_sample": "sample",
    "eval_any": "any error",
    "eval_missing": "missing",
    "eval_spurious": "spurious",
    "eval_wrong_type": "wrong type",
    "eval_partial": "partial",
    "eval_all": "all sentences",
    "eval_scores": "Scores",
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
    "ann_browse": "Browse the queue: jump to any item to revise it",
    "ann_search": "Search the texts",
    "ann_items": "Items (state · name · text)",
    "ann_open": "Open",
    "ann_add": "Add your own texts (a .txt with one document per line, a BRAT .txt + .ann or .zip, or pasted text)",
    "ann_upload": "Upload .txt, .txt + .ann, or a BRAT .zip",
    "ann_paste": "Or paste text (one document per line)",
    "ann_queue_name": "Queue name (optional)",
    "ann_add_button": "Add and start",
    "rev_title": "Review conflicts between annotators (admin)",
    "rev_intro": "Items where annotators disagree. Take one answer as it is, or edit the JSON "
    "(`{label, start, end}` or `{label, fragments}`) and save it as the merged answer: "
    "exports and training use the review from then on.",
    "rev_find": "Find conflicts in the queue above",
    "rev_item": "Item in conflict",
    "rev_pick": "Answer to keep",
    "rev_accept": "Accept this answer",
    "rev_merged": "Merged answer (entities as JSON)",
    "rev_save": "Save the merged answer",
    "rev_update": "Update the model with my corrections (admin, transformer)",
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
    "upload_txt": "Un archivo .txt, un documento por línea",
    "brat_zip": "Predicciones en BRAT (zip)",
    "text_info": "Ctrl+Intro analiza",
    "file_accordion": "Analizar un archivo .txt (un documento por línea) y obtener predicciones en BRAT",
    "crf_note": "El CRF de referencia se entrena en segundos en la CPU: las épocas, la tasa de aprendizaje, el "
    "tamaño de lote y los demás ajustes son para transformers.",
    "metrics": "Métricas (Tarea A oficial + nervaluate)",
    "no_model_corpus": "**Aún no hay modelo.** Entrene el CRF instantáneo (segundos, en la CPU) con la muestra "
    "incluida, o descargue antes el corpus eHealth-KD para entrenarlo con datos reales.",
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
    "eval_previous": "‹ Página anterior",
    "eval_next": "Página siguiente ›",
    "error_kind": "Mostrar frases con",
    # the Evaluate tab
    "eval_sample": "muestra",
    "eval_any": "cualquier error",
    "eval_missing": "faltantes",
    "eval_spurious": "espurias",
    "eval_wrong_type": "tipo erróneo",
    "eval_partial": "parciales",
    "eval_all": "todas las frases",
    "eval_scores": "Puntuaciones",
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
    "ann_browse": "Recorrer la cola: vaya a cualquier elemento para revisarlo",
    "ann_search": "Buscar en los textos",
    "ann_items": "Elementos (estado · nombre · texto)",
    "ann_open": "Abrir",
    "ann_add": "Añada sus propios textos (un .txt con un documento por línea, un .txt + .ann BRAT o un .zip, "
    "o texto pegado)",
    "ann_upload": "Suba un .txt, un .txt + .ann o un .zip BRAT",
    "ann_paste": "O pegue texto (un documento por línea)",
    "ann_queue_name": "Nombre de la cola (opcional)",
    "ann_add_button": "Añadir y empezar",
    "rev_title": "Revisar los desacuerdos entre anotadores (admin)",
    "rev_intro": "Elementos en los que los anotadores no coinciden. Quédese con una respuesta tal cual, o edite el "
    "JSON (`{label, start, end}` o `{label, fragments}`) y guárdelo como respuesta combinada: desde entonces las "
    "exportaciones y el entrenamiento usan la revisión.",
    "rev_find": "Buscar desacuerdos en la cola de arriba",
    "rev_item": "Elemento en desacuerdo",
    "rev_pick": "Respuesta que se conserva",
    "rev_accept": "Aceptar esta respuesta",
    "rev_merged": "Respuesta combinada (entidades en JSON)",
    "rev_save": "Guardar la respuesta combinada",
    "rev_update": "Actualizar el modelo con mis correcciones (admin, transformer)",
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
        # the Annotate tab's messages (the service gives keys: ner/annotation/service.py)
        "ann_msg_queue": "Queue «{queue}»: {n} document{s}",
        "ann_msg_no_model": "; no model yet, so nothing is pre-annotated (train the instant CRF above for suggestions)",
        "ann_msg_preannotated": ", {n} pre-annotated by {model}",
        "ann_msg_background": "; {n:,} more in the background",
        "rev_none": "No open conflict.",
        "rev_none_in": "No open conflict in «{queue}».",
        "rev_kept": "✓ Reviewed: {who}'s answer kept.",
        "rev_saved": "✓ Reviewed: the merged answer saved.",
        "rev_choose": "Choose the answer to keep.",
        "rev_reviewed_before": " · reviewed before a later answer",
        "rev_entities_1": "{n} entity",
        "rev_entities_n": "{n} entities",
        "rev_answer_of": "{who}'s answer",
        "rev_merged_answer": "a merged answer",
        "rev_last": "Last review: {reviewer} took {chosen} ({status}), {when} UTC; an answer changed since.",
        "rev_export_kept": "**What each format kept** (the archive's README.md says why):",
        "agree_headers": "label|items|correct|incorrect|partial|missing|spurious|P|R|F1",
        "agree_overall": "overall",
        "not_available": "n/a",
        "rev_started": "Training started: {base} + {n} accepted answer{s} of «{queue}», {epochs} epochs. Follow it in "
        "the **Train** tab; the new checkpoint appears in the model list when it is done.",
        "ann_msg_accepted": "✓ accepted",
        "ann_msg_rejected": "✓ rejected",
        "ann_msg_skipped": "✓ skipped",
        "ann_msg_undone": "↩ {status} answer undone: edit it and answer again",
        "ann_msg_revising": "Revising this item: your answer was {status}. Answer again to change it.",
        "ann_msg_nothing_to_undo": "Nothing to undo in this queue.",
        "ann_status_todo": "to do",
        "ann_status_accepted": "accepted",
        "ann_status_rejected": "rejected",
        "ann_status_skipped": "skipped",
        "ann_status_conflict": "in conflict",
        "ann_browse_none": "No item matches.",
        "ann_delete_which": "Choose the queue to delete in «Queue» above (not «all»).",
        "ann_deleted": "Queue «{queue}» deleted (its answers stay in the history).",
        # the Evaluate tab ("|" separates table headers)
        "eval_headers": "split|type|P|R|F1|correct|incorrect|partial|missing|spurious|strict F1|partial F1",
        "eval_compare_headers": "type|P (A)|R (A)|F1 (A)|P (B)|R (B)|F1 (B)|Δ F1 (B − A)",
        "eval_all_types": "all",
        "eval_scores": "Scores on {split}: official Task A (P, R, F1, counts) and nervaluate",
        "eval_compare_label": "Official Task A on {split} · A = {a} · B = {b}",
        "eval_scores_narrow": "{model} on {split}: official Task A (a wider screen also shows the counts and "
        "nervaluate)",
        "eval_compare_narrow_headers": "type|F1 (A)|F1 (B)|B − A",
        "eval_compare_narrow_label": "Official Task A F1 on {split} · A = {a} · B = {b}",
        "eval_split_sample": "sample",
        "eval_split_upload": "upload",
        "eval_gold": "gold",
        "eval_predicted": "predicted",
        "eval_sentences": "Sentences: {n}",
        "eval_page": "Page {page} of {pages}",
        "eval_expired": "These results are no longer kept (they last 15 minutes, and fewer when the server "
        "needs the room): evaluate again.",
        "eval_disagree": "A and B disagree on {n} of {total} sentences; those with the chosen kind of error "
        "(in A or in B) are below, gold beside each model's entities.",
        "eval_hidden": "Overlapping, not drawn:",
        "eval_mark_correct": "correct",
        "eval_mark_incorrect": "wrong type (same words, another label)",
        "eval_mark_partial": "partial (overlaps, same label)",
        "eval_mark_missing": "missing (in gold, not predicted)",
        "eval_mark_spurious": "spurious (predicted, not in gold)",
        "eval_chip_incorrect": "wrong type",
        "eval_chip_partial": "partial",
        "eval_chip_missing": "missing",
        "eval_chip_spurious": "spurious",
        "eval_title_correct": "correct",
        "eval_title_incorrect": "wrong type: {gold} in gold, {predicted} predicted",
        "eval_title_partial": "partial: “{gold}” in gold, “{predicted}” predicted",
        "eval_title_missing": "missing: not predicted",
        "eval_title_spurious": "spurious: not in gold",
        "eval_credit": "Sentences from the eHealth-KD 2020 corpus (Knowledge Learning Project, IberLEF 2020), "
        "licensed {licence}.",
        # the Analyse tab
        "text_empty": "Type or paste a Spanish health text first (or pick an example).",
        "text_too_long": "The text has {n:,} characters; the limit is {limit:,}. Analyse longer texts as a .txt file "
        "(below).",
        "no_file": "Choose a .txt file first.",
        "file_empty": "{name} has no text: a .txt file holds one document per line.",
        "file_not_utf8": "{name} is not UTF-8 text (byte {byte} is not): save it as UTF-8 and upload it again.",
        "file_done": "**{name}**: {lines} lines, {entities} entities.",
        # the model box and the banner
        "no_model_yet": "no model yet: train one (the instant CRF above takes seconds).",
        "no_such_checkpoint": "no such checkpoint: “{model}”. Available: {names}. (A model on the Hugging Face Hub "
        "is written owner/name.)",
        "model_not_allowed": "no such model: there is no such checkpoint here. Available: {names}. Other folders "
        "and hub ids need the admin token.",
        "none_yet": "none yet",
        "download_failed": "Download failed: {error}",
        # the Train tab
        "base_missing": "Enter a base model: a hub id, a local folder, or crf.",
        "busy": "A training run is already going: wait for it to finish or cancel it.",
        "train_started": "Started `{base}`.",
        "train_started_with": "Started `{base}` with {n} corrections.",
        "train_started_none": "Started `{base}`: there are no accepted corrections to include yet.",
        "corrections_0": "No corrections were included.",
        "corrections_1": "1 correction was included in training.",
        "corrections_n": "{n} corrections were included in training.",
        "loading": "loading the model and the data…",
        "crf_progress": "CRF: iteration {step} of {total} · {seconds} s",
        "step_progress": "step {step}/{total} · epoch {epoch} · {seconds} s",
        "eta": ", ETA {eta} s",
        "loss_part": " · loss {loss}",
        "f1_part": " · dev F1 {f1}",
        "epoch_f1": "epoch {epoch}: dev F1 {f1}",
        "no_gpu": "No GPU: training on the CPU.",
        "gpu": "GPU {index}: {name}, {used} / {total} MiB, {busy}% busy",
        "status_running": "running",
        "status_cancelling": "cancelling",
        "status_done": "done",
        "status_cancelled": "cancelled",
        "status_failed": "failed",
        # refusals said by the interface itself (the library's carry keys: ner/refusals.py)
        "logged_in_as": "you are logged in as {name}: answers are saved under that name",
        "editor_busy": "the server is busy: try again in a moment",
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
        # los mensajes de la pestaña Anotar
        "ann_msg_queue": "Cola «{queue}»: {n} documento{s}",
        "ann_msg_no_model": "; aún no hay modelo, así que nada está preanotado (entrene arriba el CRF instantáneo)",
        "ann_msg_preannotated": ", {n} preanotados por {model}",
        "ann_msg_background": "; {n:,} más en segundo plano",
        "rev_none": "No hay desacuerdos abiertos.",
        "rev_none_in": "No hay desacuerdos abiertos en «{queue}».",
        "rev_kept": "✓ Revisado: se conserva la respuesta de {who}.",
        "rev_saved": "✓ Revisado: respuesta combinada guardada.",
        "rev_choose": "Elija la respuesta que se conserva.",
        "rev_reviewed_before": " · revisado antes de una respuesta posterior",
        "rev_entities_1": "{n} entidad",
        "rev_entities_n": "{n} entidades",
        "rev_answer_of": "la respuesta de {who}",
        "rev_merged_answer": "una respuesta combinada",
        "rev_last": "Última revisión: {reviewer} eligió {chosen} ({status}), {when} UTC; después cambió una respuesta.",
        "rev_export_kept": "**Qué conservó cada formato** (el README.md del archivo explica por qué):",
        "agree_headers": "etiqueta|elementos|correctas|incorrectas|parciales|faltantes|espurias|P|R|F1",
        "agree_overall": "global",
        "not_available": "n/d",
        "rev_started": "Entrenamiento iniciado: {base} + {n} respuesta{s} aceptada{s} de «{queue}», {epochs} épocas. "
        "Sígalo en la pestaña **Entrenar**; el nuevo modelo aparecerá en la lista cuando termine.",
        "ann_msg_accepted": "✓ aceptada",
        "ann_msg_rejected": "✓ rechazada",
        "ann_msg_skipped": "✓ saltada",
        "ann_msg_undone": "↩ respuesta ({status}) deshecha: corríjala y responda de nuevo",
        "ann_msg_revising": "Revisando este elemento: su respuesta fue «{status}». Responda otra vez para cambiarla.",
        "ann_msg_nothing_to_undo": "No hay nada que deshacer en esta cola.",
        "ann_status_todo": "pendiente",
        "ann_status_accepted": "aceptada",
        "ann_status_rejected": "rechazada",
        "ann_status_skipped": "saltada",
        "ann_status_conflict": "en conflicto",
        "ann_browse_none": "Ningún elemento coincide.",
        "ann_delete_which": "Elija la cola que quiere borrar en «Cola» arriba (no «todas»).",
        "ann_deleted": "Cola «{queue}» borrada (sus respuestas quedan en el historial).",
        # la pestaña Evaluar ("|" separa los encabezados de la tabla)
        "eval_headers": "partición|tipo|P|R|F1|correctas|incorrectas|parciales|faltantes|espurias|F1 estricta|"
        "F1 parcial",
        "eval_compare_headers": "tipo|P (A)|R (A)|F1 (A)|P (B)|R (B)|F1 (B)|Δ F1 (B − A)",
        "eval_all_types": "todas",
        "eval_scores": "Puntuaciones en {split}: Tarea A oficial (P, R, F1, recuentos) y nervaluate",
        "eval_compare_label": "Tarea A oficial en {split} · A = {a} · B = {b}",
        "eval_scores_narrow": "{model} en {split}: Tarea A oficial (una pantalla más ancha muestra también los "
        "recuentos y nervaluate)",
        "eval_compare_narrow_headers": "tipo|F1 (A)|F1 (B)|B − A",
        "eval_compare_narrow_label": "F1 de la Tarea A oficial en {split} · A = {a} · B = {b}",
        "eval_split_sample": "muestra",
        "eval_split_upload": "archivo subido",
        "eval_gold": "oro",
        "eval_predicted": "predicho",
        "eval_sentences": "Frases: {n}",
        "eval_page": "Página {page} de {pages}",
        "eval_expired": "Estos resultados ya no se conservan (duran 15 minutos, y menos si el servidor necesita "
        "el espacio): evalúe de nuevo.",
        "eval_disagree": "A y B discrepan en {n} de {total} frases; abajo, las que tienen el tipo de error elegido "
        "(en A o en B), con el oro junto a las entidades de cada modelo.",
        "eval_hidden": "Solapadas, no dibujadas:",
        "eval_mark_correct": "correcta",
        "eval_mark_incorrect": "tipo erróneo (mismas palabras, otra etiqueta)",
        "eval_mark_partial": "parcial (se solapa, misma etiqueta)",
        "eval_mark_missing": "faltante (en el oro, no predicha)",
        "eval_mark_spurious": "espuria (predicha, no está en el oro)",
        "eval_chip_incorrect": "tipo erróneo",
        "eval_chip_partial": "parcial",
        "eval_chip_missing": "faltante",
        "eval_chip_spurious": "espuria",
        "eval_title_correct": "correcta",
        "eval_title_incorrect": "tipo erróneo: {gold} en el oro, {predicted} predicha",
        "eval_title_partial": "parcial: «{gold}» en el oro, «{predicted}» predicha",
        "eval_title_missing": "faltante: no predicha",
        "eval_title_spurious": "espuria: no está en el oro",
        "eval_credit": "Frases del corpus eHealth-KD 2020 (Knowledge Learning Project, IberLEF 2020), "
        "con licencia {licence}.",
        # the Analyse tab
        "text_empty": "Escriba o pegue primero un texto de salud en español (o elija un ejemplo).",
        "text_too_long": "El texto tiene {n:,} caracteres; el límite es {limit:,}. Analice los textos más largos como "
        "archivo .txt (abajo).",
        "no_file": "Elija primero un archivo .txt.",
        "file_empty": "{name} no tiene texto: un archivo .txt lleva un documento por línea.",
        "file_not_utf8": "{name} no es texto UTF-8 (el byte {byte} no lo es): guárdelo como UTF-8 y vuelva a "
        "subirlo.",
        "file_done": "**{name}**: {lines} líneas, {entities} entidades.",
        # the model box and the banner
        "no_model_yet": "aún no hay modelo: entrene uno (el CRF instantáneo de arriba tarda segundos).",
        "no_such_checkpoint": "no existe el checkpoint «{model}». Disponibles: {names}. (Un modelo del Hugging Face "
        "Hub se escribe propietario/nombre.)",
        "model_not_allowed": "no existe ese modelo: aquí no hay ningún checkpoint con ese nombre. Disponibles: "
        "{names}. Otras carpetas e ids del hub necesitan el token de administración.",
        "none_yet": "ninguno aún",
        "download_failed": "La descarga falló: {error}",
        # the Train tab
        "base_missing": "Indique un modelo base: un id del hub, una carpeta local o crf.",
        "busy": "Ya hay un entrenamiento en curso: espere a que termine o cancélelo.",
        "train_started": "Empezó `{base}`.",
        "train_started_with": "Empezó `{base}` con {n} correcciones.",
        "train_started_none": "Empezó `{base}`: aún no hay correcciones aceptadas que incluir.",
        "corrections_0": "No se incluyó ninguna corrección.",
        "corrections_1": "Se incluyó 1 corrección en el entrenamiento.",
        "corrections_n": "Se incluyeron {n} correcciones en el entrenamiento.",
        "loading": "cargando el modelo y los datos…",
        "crf_progress": "CRF: iteración {step} de {total} · {seconds} s",
        "step_progress": "paso {step}/{total} · época {epoch} · {seconds} s",
        "eta": ", quedan unos {eta} s",
        "loss_part": " · pérdida {loss}",
        "f1_part": " · F1 en dev {f1}",
        "epoch_f1": "época {epoch}: F1 en dev {f1}",
        "no_gpu": "Sin GPU: se entrena en la CPU.",
        "gpu": "GPU {index}: {name}, {used} / {total} MiB, {busy} % en uso",
        "status_running": "en curso",
        "status_cancelling": "cancelando",
        "status_done": "terminado",
        "status_cancelled": "cancelado",
        "status_failed": "falló",
        "logged_in_as": "Ha iniciado sesión como {name}: las respuestas se guardan con ese nombre.",
        "editor_busy": "El servidor está ocupado: inténtelo de nuevo en un momento.",
        # the library's refusals (ner/refusals.py: each carries a key and its values; English is its own message);
        # {n:,} is said with the thousands separated by spaces (100 000)
        # ... the admin token (ner/access.py)
        "err_admin_off": "Las acciones de administración están desactivadas en este despliegue público (no tiene "
        "NER_ADMIN_TOKEN).",
        "err_admin_token_needed": "Esto necesita el token de administración (NER_ADMIN_TOKEN) de este despliegue.",
        "err_admin_locked": "Demasiados tokens de administración erróneos: inténtelo de nuevo dentro de {seconds} s.",
        "err_admin_wrong": "Token de administración incorrecto.",
        # ... the annotation service (ner/annotation/service.py, items.py, intake.py)
        "err_login_first": "Inicie sesión primero: las respuestas se guardan con su usuario.",
        "err_login_needed": "Para anotar hay que iniciar sesión en este despliegue público (NER_USERS o «Sign in "
        "with Hugging Face»).",
        "err_load_queue": "Cargue primero una cola.",
        "err_no_queue": "No hay ninguna cola llamada «{queue}».",
        "err_admin_delete": "Borrar una cola necesita el token de administración.",
        "err_corpus_name": "«{queue}» es el nombre de una cola del corpus: elija otro nombre.",
        "err_queue_exists": "Ya existe una cola llamada «{queue}»: elija otro nombre.",
        "err_too_many_queues": "Ha creado {n} colas; el límite es {limit}.",
        "err_queue_too_big": "La cola «{queue}» tendría {n:,} documentos (el límite es {limit:,}).",
        "err_load_chars": "{n:,} caracteres de texto de una vez (el límite es {limit:,}): divídalo en varias colas.",
        "err_hourly_chars": "Ha añadido {n:,} caracteres de texto en la última hora y esto añade {more:,} (el límite "
        "es {limit:,} por hora): inténtelo más tarde.",
        "err_no_document": "No hay ningún documento que responder: cargue primero una cola.",
        "err_unknown_document": "Documento desconocido: {doc}.",
        "err_no_request": "El editor no envió ninguna petición.",
        "err_no_document_in_queue": "No hay ningún documento {doc} en la cola «{queue}».",
        "err_admin_annotators": "La lista de anotadores necesita el token de administración.",
        "err_admin_answers": "Leer las respuestas recogidas necesita el token de administración.",
        "err_no_corrections": "Aún no hay correcciones aceptadas que exportar.",
        "err_no_corrections_in": "Aún no hay correcciones aceptadas que exportar en «{queue}».",
        "err_unknown_format": "Formato de exportación desconocido: «{format}» (se esperan algunos de {formats}).",
        "err_admin_agreement": "El acuerdo entre anotadores necesita el token de administración.",
        "err_two_annotators": "Elija dos anotadores distintos en «Anotador/a A» y «Anotador/a B».",
        "err_nothing_annotated": "Aún no se ha anotado nada.",
        "err_nothing_in_common": "{first} y {second} aún no han aceptado ningún documento en común.",
        "err_admin_review": "Revisar los desacuerdos necesita el token de administración.",
        "err_choose_conflict": "Elija primero un «Elemento en desacuerdo».",
        "err_no_answer_to_keep": "{pick} no tiene ninguna respuesta aceptada o rechazada para el documento {doc}.",
        "err_pick_or_merge": "Elija la respuesta de un anotador, o escriba la respuesta combinada en JSON.",
        "err_merged_not_json": "La respuesta combinada no es JSON válido ({error}, carácter {at}).",
        "err_admin_update": "Actualizar el modelo necesita el token de administración.",
        "err_no_model_to_update": "No hay ningún modelo que actualizar.",
        "err_crf_updates_itself": "El CRF se actualiza solo a medida que se aceptan respuestas: no hay nada que "
        "iniciar; este botón es para un transformer.",
        "err_training_busy": "Ya hay un entrenamiento en curso: sígalo (o cancélelo) en la pestaña Entrenar.",
        "err_no_accepted_in": "Aún no hay respuestas aceptadas en «{queue}»: no hay nada de lo que aprender.",
        "err_unknown_order": "Orden desconocido: «{order}» (se espera uno de {orders}).",
        "err_unknown_action": "Acción desconocida: «{action}» (se espera una de {actions} o undo).",
        "err_annotator_missing": "Escriba primero su nombre en «Anotador/a»: las respuestas se guardan por "
        "anotador/a.",
        "err_annotator_too_long": "El nombre en «Anotador/a» tiene más de {limit} caracteres.",
        "err_annotator_invalid": "El nombre en «Anotador/a» contiene caracteres de control o no válidos.",
        "err_unknown_corpus_queue": "Cola del corpus desconocida: «{queue}».",
        "err_no_upload": "Elija primero un archivo .txt, un par .txt + .ann o un .zip BRAT.",
        "err_no_txt": "No hay ningún archivo .txt entre los subidos (un .ann necesita su .txt al lado).",
        "err_one_text": "Un solo texto por cola; se recibieron: {names}.",
        "err_pasted_not_text": "El texto pegado debe ser texto.",
        "err_paste_first": "Pegue primero algo de texto (un documento por línea).",
        # ... the size limits (ner/settings.py Limits; ner/tokens.py, ner/files.py, ner/annotation/intake.py)
        "err_pasted_too_long": "El texto pegado tiene {n:,} caracteres (el límite es {limit:,}).",
        "err_pasted_line_too_long": "El texto pegado, línea {line}: tiene {n:,} caracteres; el límite es {limit:,}.",
        "err_line_too_long": "{name}, línea {line}: tiene {n:,} caracteres; el límite es {limit:,}.",
        "err_pasted_too_many_lines": "El texto pegado tiene más de {limit:,} líneas (el límite): divídalo.",
        "err_too_many_lines": "{name}: más de {limit:,} líneas (el límite): divida el archivo.",
        "err_file_lines": "{name}: {n:,} líneas (el límite es {limit:,}): divida el archivo.",
        "err_upload_too_big": "{name}: {n:,} bytes (el límite es {limit:,}).",
        "err_not_zip": "{name}: no es un archivo zip.",
        "err_zip_members": "{name}: {n:,} archivos en el zip (el límite es {limit:,}).",
        "err_zip_bytes": "{name}: {n:,} bytes de texto una vez descomprimido (el límite es {limit:,}).",
        "err_zip_bytes_more": "{name}: más de {limit:,} bytes de texto una vez descomprimido.",
        "err_zip_unsafe": "{name}: ruta insegura «{path}» en el zip.",
        "err_not_utf8": "{path} no es texto UTF-8 (el byte {byte} no lo es): guárdelo como UTF-8 y vuelva a "
        "subirlo.",
        "err_upload_files": "{n:,} archivos a la vez (el límite es {limit}: un .txt y su .ann, o un .zip).",
        "err_too_many_entities": "{where}: {n:,} entidades para un texto de {words:,} palabras (el límite es "
        "{limit:,}).",
        "err_upload_chars": "{name}: {n:,} caracteres de texto (el límite es {limit:,}).",
        "err_upload_no_pair": "{name}: el zip no contiene ningún archivo .txt con su .ann al lado.",
        "err_upload_bad_brat": "{name} no es un BRAT válido: {detail}",
        "err_upload_sentences": "{name}: {n:,} frases (el límite es {limit:,}).",
        "err_unknown_split": "Partición desconocida: «{split}» (se espera una de {splits}).",
        "err_zip_corrupt": "{name}: no se puede leer «{path}» (zip dañado).",
        # ... checkpoints (ner/predict.py CheckpointError, ner/models.py)
        "err_no_such_checkpoint": "No existe el checkpoint «{model}». Disponibles: {names} (un modelo del Hugging "
        "Face Hub se escribe propietario/nombre).",
        "err_temporary_folder": "Las carpetas temporales y de preparación nunca se cargan.",
        "err_crf_unfinished": "Un CRF solo se carga desde un checkpoint terminado de esta aplicación.",
        "err_crf_unreadable": "Checkpoint {name}: la descripción de su CRF es ilegible.",
        "err_crf_no_checksum": "Checkpoint {name}: su CRF no tiene suma de comprobación, así que no se carga.",
        "err_cannot_load_model": "No se puede cargar un modelo de clasificación de tokens desde {model}: {error}",
        "err_no_ner_head": "{model} no tiene una cabeza NER de etiquetas BIO con «O» primero (etiquetas: "
        "{labels}...); ajústelo antes con `python -m ner train --base-model ...`.",
        "err_cannot_load_tokenizer": "No se puede cargar un tokenizador desde {model}: {error}",
        "err_slow_tokenizer": "{model}: hace falta un tokenizador rápido (ids de palabra y offsets).",
        "err_unreadable": "{path}: ilegible ({error}).",
        "err_not_checkpoint": "{folder} no es un checkpoint: no contiene ner_model.json, config.json ni crf.json.",
        "err_no_checkpoint_folder": "No existe la carpeta de checkpoint {model}.",
        "err_cannot_load_crf": "No se puede cargar el CRF de {model}: {error}",
        "err_cannot_load_base": "No se puede cargar el modelo base {model}: {error}",
    },
}


# The annotation editor's words (ner/ui/editor.js), sent with its value; {x} are filled in by the page.
EDITOR = {
    "en": {
        "aria": "Annotation editor",
        "empty": "Load a queue above to start annotating.",
        "finished": "✓ This queue is done. Undo (U) brings your last answer back.",
        "summary": "{a} accepted · {r} rejected · {s} skipped. You changed {c} of the accepted suggestions "
        "({e} edits: {add} added, {rm} removed, {rel} relabelled, {b} boundaries moved).",
        "next": "Next: export the corrections (“Export corrections” below), then train with them in the Train "
        "tab; or pick another item in “Browse the queue” to revise it.",
        "replaced": "Replaced: {list}. U brings them back.",
        "percent": "{n}%",
        "piece": "+ piece",
        "piece_title": "Add a piece: the next word you tap joins the selection or the selected entity "
        "(as Ctrl+click)",
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
        "background": "pre-annotating in the background: {d} / {t}",
        "retraining": "retraining on your answers…",
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
        "finished": "✓ Cola terminada. Deshacer (U) recupera su última respuesta.",
        "summary": "{a} aceptadas · {r} rechazadas · {s} saltadas. Cambió {c} de las sugerencias aceptadas "
        "({e} cambios: {add} añadidas, {rm} quitadas, {rel} reetiquetadas, {b} límites movidos).",
        "next": "Siguiente paso: exporte las correcciones («Exportar correcciones» abajo) y entrene con ellas en la "
        "pestaña Entrenar; o elija otro elemento en «Recorrer la cola» para revisarlo.",
        "replaced": "Sustituidas: {list}. U las recupera.",
        "percent": "{n} %",
        "piece": "+ trozo",
        "piece_title": "Añadir un trozo: la próxima palabra que toque se suma a la selección o a la entidad "
        "seleccionada (como Ctrl+clic)",
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
        "background": "preanotando en segundo plano: {d} / {t}",
        "retraining": "reentrenando con sus respuestas…",
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
    """A run-time message in the request's language (``{n:,}`` with that language's thousands separator)."""
    return say_in(language(request), key, **values)


def say_in(lang: str, key: str, **values) -> str:
    """:func:`say` for a language already known (``en`` when it has no table)."""
    lang = lang if lang in MESSAGES else "en"
    return _Spoken(_THOUSANDS.get(lang, ",")).format(MESSAGES[lang][key], **values)


def number(x: float, lang: str, digits: int = 4, signed: bool = False) -> str:
    """``x`` rounded to ``digits`` decimals as a reader of ``lang`` writes it, for display only.

    ``number(1234.5, "en", 1) == "1,234.5"`` and ``number(1234.5, "es", 1) == "1 234,5"`` (a decimal
    comma, thousands apart by a space, as the Analyse tab's limits are written). A negative number
    takes a true minus ("−"); ``signed`` puts "+" before the others. Data, exports and the API keep
    plain machine numbers.
    """
    text = f"{abs(x):,.{digits}f}"
    if lang == "es":
        text = text.replace(",", " ").replace(".", ",")
    if x < 0 and round(x, digits) != 0:
        return "−" + text
    return ("+" if signed else "") + text


class _Spoken(string.Formatter):
    """``str.format`` that writes a field asking for ``,`` with the language's thousands separator."""

    def __init__(self, separator: str):
        self.separator = separator

    def format_field(self, value, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        return text.replace(",", self.separator) if "," in format_spec else text


_THOUSANDS = {"es": " "}  # 100 000 in Spanish (as the Analyse tab writes it), 100,000 in English


def refused(request: gr.Request | None, exc: BaseException) -> str:
    """A refusal's text in the request's language: :data:`MESSAGES` under its ``key`` (ner/refusals.py), filled
    with its ``values``; else its own message (the library's English). Not redacted: the caller does that."""
    key = getattr(exc, "key", None)
    if not isinstance(key, str) or key not in MESSAGES[language(request)]:
        return getattr(exc, "message", None) or str(exc)
    return say(request, key, **getattr(exc, "values", {}))


def editor_strings(request: gr.Request | None) -> dict[str, str]:
    """The editor's words in the request's language (a copy: the caller may change it), and the labels as shown."""
    lang = language(request)
    return {**EDITOR[lang], "labels": {label: label_name(label, lang) for label in LABELS}}


def t(key: str):
    """A translated string for a component label or Markdown."""
    return I18N(key)
