// Alertgate's own script: copy buttons. Loaded as a file because the CSP
// allows no inline script. A button with data-copy="ID" copies the text of
// the element with that id.
document.addEventListener("click", function (e) {
  var button = e.target.closest("[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.dataset.copy);
  if (!source) return;
  var text = source.value !== undefined ? source.value : source.textContent;
  var done = function () {
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = "Copy"; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
    return;
  }
  // Plain http on another host: select the text so Ctrl+C copies it.
  var range = document.createRange();
  range.selectNodeContents(source);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  button.textContent = "Press Ctrl+C";
});
