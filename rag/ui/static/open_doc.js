/* An "Open in document" button, or a Timeline point, inside an HTML panel asks the server for
   that span (gr.HTML js_on_load: `element` is the panel, `trigger` fires its click event).
   A Timeline point is an SVG group, not a button: Enter or Space on it opens it too. */
function openDoc(e) {
  var b = e.target.closest ? e.target.closest('.open-doc') : null;
  if (!b || !element.contains(b)) return;
  if (e.type === 'keydown' && (b.tagName === 'BUTTON' || (e.key !== 'Enter' && e.key !== ' '))) {
    return;  /* a button's own Enter/Space already clicks it */
  }
  e.preventDefault();
  trigger('click', {doc: b.dataset.doc, start: Number(b.dataset.start),
                    end: Number(b.dataset.end)});
}
element.addEventListener('click', openDoc);
element.addEventListener('keydown', openDoc);
