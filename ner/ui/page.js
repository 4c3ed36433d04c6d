// The page's language and the popups' titles (launch(head=...): ner/ui/app.py page_head).
// Gradio 6.31 titles every toast with its kind in English ("Warning", "Error"), whatever gr.Warning's
// title= says; this retitles them in the language the server speaks to this browser (its first
// language, as ner/ui/i18n.py language() reads Accept-Language), and marks <html lang> for screen readers.
(() => {
  const TITLES = __TITLES__;  // {lang: {warning, error, info, success}} from the catalog
  const first = ((navigator.languages && navigator.languages[0]) || navigator.language || "en").toLowerCase();
  const lang = first.startsWith("es") ? "es" : "en";
  document.documentElement.lang = lang;
  const words = TITLES[lang];
  if (!words) return;
  const kinds = Object.keys(words);
  const retitle = () => {
    for (const el of document.querySelectorAll(".toast-title")) {
      const kind = kinds.find((k) => el.classList.contains(k));
      const text = [...el.childNodes].find((n) => n.nodeType === Node.TEXT_NODE);
      if (kind && text && text.nodeValue.trim() && text.nodeValue.trim() !== words[kind]) {
        text.nodeValue = words[kind] + " ";
      }
    }
  };
  new MutationObserver(retitle).observe(document.documentElement, { childList: true, subtree: true,
                                                                   characterData: true });
})();
