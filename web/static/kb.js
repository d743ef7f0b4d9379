// kb: progressive enhancement only. Every page works without this file.

// "/" focuses the search box (unless the person is typing somewhere).
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

// Ticket form: suggest articles while the subject is typed. The server
// records what was shown; links carry ?from=ticket so a click is counted.
function suggestWhileTyping(form) {
  const subject = form.querySelector('#subject');
  const box = form.querySelector('.suggestions');
  const list = box && box.querySelector('.suggestion-list');
  if (!subject || !list) return;
  let timer = 0;
  let latest = 0;
  subject.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const query = subject.value.trim();
      const mine = ++latest;
      if (query.length < 3) return;
      try {
        const url = '/api/search?context=ticket&per_page=5&q=' + encodeURIComponent(query);
        const response = await fetch(url, { credentials: 'same-origin' });
        if (!response.ok || mine !== latest) return;  // a newer keystroke wins
        const data = await response.json();
        if (mine !== latest) return;
        list.replaceChildren(...data.results.map((r) => {
          const item = document.createElement('li');
          const link = document.createElement('a');
          link.href = r.url + '?from=ticket';
          link.textContent = r.title;
          item.append(link);
          if (r.summary) {
            const summary = document.createElement('span');
            summary.className = 'summary';
            summary.textContent = r.summary;
            item.append(document.createElement('br'), summary);
          }
          return item;
        }));
        box.hidden = data.results.length === 0;
      } catch (_) {
        // Offline or server gone: the form still works without suggestions.
      }
    }, 300);
  });
}

const ticketForm = document.querySelector('.ticket-form');
if (ticketForm) suggestWhileTyping(ticketForm);
