// kb: progressive enhancement only. Every page works without this file.
// Focus the search box with "/" (unless the person is typing somewhere).
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  const box = document.getElementById('q');
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});
