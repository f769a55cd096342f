/* An "Open in document" button inside an HTML panel asks the server for that span
   (gr.HTML js_on_load: `element` is the panel, `trigger` fires its click event). */
element.addEventListener('click', function (e) {
  var b = e.target.closest ? e.target.closest('button.open-doc') : null;
  if (!b) return;
  e.preventDefault();
  trigger('click', {doc: b.dataset.doc, start: Number(b.dataset.start),
                    end: Number(b.dataset.end)});
});
