/* A click on a library row (not on its link) selects that document
   (gr.HTML js_on_load: `element` is the table's panel, `trigger` fires its click event). */
element.addEventListener('click', function (e) {
  if (!e.target.closest || e.target.closest('a')) return;
  var row = e.target.closest('tr[data-doc]');
  if (!row) return;
  element.querySelectorAll('tr.selected').forEach(function (r) { r.classList.remove('selected'); });
  row.classList.add('selected');
  trigger('click', {doc: row.dataset.doc, start: -1, end: -1});
});
