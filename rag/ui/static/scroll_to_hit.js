() => {
  /* After the Document tab shows a span, bring it to the middle of the reading pane
     (an event's js=, run after the server answered). */
  var tries = 0;
  (function go() {
    var view = document.getElementById('doc-view');
    var mark = view && view.querySelector('mark.hit');
    if (mark && mark.offsetParent !== null) {
      var top = mark.getBoundingClientRect().top - view.getBoundingClientRect().top;
      view.scrollTop += top - view.clientHeight / 3;
      return;
    }
    if (view && !mark && view.offsetParent !== null) { view.scrollTop = 0; return; }
    if (++tries < 40) setTimeout(go, 50);
  })();
}
