// kb: progressive enhancement only. Every page works without this file;
// with it, search answers while typing and pages gain small conveniences.

const strings = (() => {
  const block = document.getElementById('kb-strings');
  try {
    return block ? JSON.parse(block.textContent) : {};
  } catch (_) {
    return {};
  }
})();
const t = (key, fallback) => strings[key] || fallback;

// kb-server reads request lines up to 8 KB (cpp-httplib's limit): a long
// log pasted in Japanese or Korean, nine bytes an encoded character, would
// be refused with a 414. What it is about is at its start.
const kMaxEncodedQuery = 6000;
function encodedSize(text) {
  try {
    return encodeURIComponent(text).length;
  } catch (_) {
    return text.length * 9;  // a lone surrogate: sent as U+FFFD, nine bytes
  }
}
function fitQuery(query) {
  if (encodedSize(query) <= kMaxEncodedQuery) return query;
  let kept = '';
  let size = 0;
  for (const ch of query) {
    size += encodedSize(ch);
    if (size > kMaxEncodedQuery) break;
    kept += ch;
  }
  return kept;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'html') node.innerHTML = value;  // only for server-escaped snippets
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function debounce(fn, ms) {
  let timer = 0;
  const call = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}

// ---- "/" focuses the search box --------------------------------------------
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

// Strings place their own words ("{count}件"), as on the server's pages
// (views.cpp): filled once, so the words typed are never read as marks.
const fill = (format, values) => format.replace(/\{(\w+)\}/g, (mark, name) => values[name] ?? mark);
// The same with nodes (links) for the marks, in the language's order.
const sentence = (format, links) => (format.includes('{') ? format : `${format} {corrected}`)
  .split(/(\{\w+\})/).map((part) => links[part.slice(1, -1)] ?? part);
// Categories and languages by name, never code (views.cpp, language_names.cpp).
function categoryName(category) {
  const words = category.replace(/[-_\s]+/g, ' ').trim();
  return t(`category:${category}`, words.charAt(0).toUpperCase() + words.slice(1));
}
function languageName(tag) {
  try {
    const name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag);
    return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
  } catch (_) {
    return tag;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "2026-09-30" as the server's pages show it in the page's language. */
function displayDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const [y, month, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || d < 1 || d > 31) return iso;
  const lang = document.documentElement.lang;
  if (lang === 'ko') return `${y}년 ${month}월 ${d}일`;
  if (lang === 'ja') return `${y}年${month}月${d}日`;
  return `${MONTHS[month - 1]} ${d}, ${y}`;
}

// ---- Instant search ---------------------------------------------------------
// Results render in place as the person types. Each keystroke gets a number;
// an answer that arrives after a newer keystroke's is dropped. The URL
// follows the query so the back button and shared links work.
function instantSearch() {
  const form = document.querySelector('.site-header .search-form');
  const box = document.getElementById('q');
  const main = document.getElementById('main');
  if (!form || !box || !main) return;
  const onSearchPage = location.pathname === '/search' || location.pathname === '/';
  if (!onSearchPage) return;

  const suggestionList = el('ul', { id: 'kb-suggestions', role: 'listbox', className: 'suggest-list', hidden: true,
                                    'aria-label': t('suggestions_label', 'Suggestions') });
  form.classList.add('has-suggestions');
  form.append(suggestionList);
  box.setAttribute('role', 'combobox');
  box.setAttribute('aria-autocomplete', 'list');
  box.setAttribute('aria-controls', 'kb-suggestions');
  box.setAttribute('aria-expanded', 'false');

  let latest = 0;
  let lastQuery = box.value;
  const filters = new URLSearchParams(location.search);
  filters.delete('q');
  filters.delete('page');
  filters.delete('sid');
  filters.delete('as_typed');  // a new query gets corrected like any other

  // The count is announced from one live region that is on the page from
  // the start and only ever has its text changed: a region inserted with its
  // text already in it (as each new results heading would be) is not read
  // out by most screen readers. The heading shows the same count.
  const announcer = el('p', { className: 'visually-hidden', role: 'status' });
  main.append(announcer);

  let homeHidden = [];  // the home page's sections, while results stand in for them
  function resultsSection() {
    let section = main.querySelector('.search-results');
    if (!section) {
      // The home page: make room for results.
      homeHidden = [...main.querySelectorAll(':scope > section')];
      homeHidden.forEach((s) => { s.hidden = true; });
      section = el('section', { className: 'search-results', 'aria-labelledby': 'results-title' });
      main.prepend(el('div', { className: 'search-layout' }, section));
    }
    return section;
  }

  // An emptied box (or Back to the page before any query) shows no results:
  // the home page comes back, and the search page is cleared.
  function showNoQuery() {
    ++latest;  // an answer still on its way is for text no longer there
    announcer.textContent = '';
    const layout = main.querySelector('.search-layout');
    if (homeHidden.length) {
      layout?.remove();
      homeHidden.forEach((s) => { s.hidden = false; });
      homeHidden = [];
    } else if (layout) {
      layout.querySelector('.search-results')?.replaceChildren();
      layout.querySelector('.facets')?.remove();
    }
  }

  function countText(data) {
    if (!data.results.length) return t('no_results_title', 'No articles match your search');
    const count = data.total;
    const many = t('results_many', '{count} results');  // a theme's may be older: "results"
    const results = fill(count === 1 ? t('results_one', '1 result') : many.includes('{') ? many : `{count} ${many}`, { count });
    // The words whose results are shown: the correction, when it answered.
    const query = data.showing_corrected && data.corrected_query ? data.corrected_query : data.query;
    const format = t('results_for', '{results} for “{query}”');
    return fill(format.includes('{') ? format : `{results} ${format} “{query}”`, { results, count, query });
  }

  function resultItem(r, rank, searchId) {
    let href = r.url;
    if (searchId) href += `?sid=${encodeURIComponent(searchId)}&rank=${rank}`;
    if (r.section && r.section.anchor) href += `#${r.section.anchor}`;
    return el('li', { className: 'result' },
      el('h2', {}, el('a', { href, lang: r.lang || null }, r.title),
        r.pinned ? el('span', { className: 'badge' }, ` ${t('recommended', 'Recommended')}`) : null),
      r.section && r.section.heading ? el('p', { className: 'section-heading', lang: r.lang || null }, `§ ${r.section.heading}`) : null,
      el('p', { className: 'snippet', lang: r.lang || null, html: r.snippet }),
      resultMeta(r));
  }

  // As the server's pages write it: the category links to its articles,
  // the date is in the page's language (views.cpp, format_date).
  function resultMeta(r) {
    const parts = [];
    if (r.category) {
      parts.push(el('a', { href: `/search?${new URLSearchParams({ q: '', category: r.category })}` }, categoryName(r.category)));
    }
    if (r.updated) parts.push(el('time', { datetime: r.updated }, displayDate(r.updated)));
    return el('p', { className: 'meta' }, ...parts.flatMap((part, i) => (i ? [' · ', part] : [part])));
  }

  function notice(data) {
    const p = el('p', { className: 'correction' });
    if (data.showing_corrected && data.corrected_query) {
      const corrected = new URLSearchParams(filters);
      corrected.set('q', data.corrected_query);
      const original = new URLSearchParams(filters);
      original.set('q', data.query);
      original.set('as_typed', '1');  // else the same search, corrected again
      p.append(...sentence(t('showing_corrected', 'Showing results for {corrected}. Search instead for {original}.'), {
        corrected: el('a', { href: `/search?${corrected}` }, el('em', {}, data.corrected_query)),
        original: el('a', { href: `/search?${original}` }, data.query),
      }));
      return p;
    }
    if (data.corrected_query) {
      const corrected = new URLSearchParams(filters);
      corrected.set('q', data.corrected_query);
      p.append(...sentence(t('did_you_mean', 'Did you mean {corrected}?'),
        { corrected: el('a', { href: `/search?${corrected}` }, el('em', {}, data.corrected_query)) }));
      return p;
    }
    if (data.rung === 'any') return el('p', { className: 'notice' }, t('relaxed_notice', ''));
    if (data.rung === 'synonyms') return el('p', { className: 'notice' }, t('synonyms_notice', ''));
    return null;
  }

  // The id of the search on show: "More results" and the facet links of
  // the same query continue it, so clicks there are still counted for it.
  let searchId = '';

  function render(data, append, asTyped, typing) {
    const section = resultsSection();
    if (!append) {
      searchId = data.search_id || '';
      // The heading stays (the section is labelled by it); what follows it
      // is this answer's.
      let heading = section.querySelector('#results-title');
      if (!heading) heading = el('h1', { id: 'results-title', className: 'results-count' });
      // A category's page keeps its title: the category still filters what is typed.
      section.replaceChildren(...[section.querySelector(':scope > .category-title'), heading].filter(Boolean));
      heading.textContent = countText(data);
      announcer.textContent = countText(data);
      const n = notice(data);
      if (n) section.append(n);
      if (['category', 'tag', 'lang'].some((key) => filters.has(key))) {
        // The filters still hold for what is typed: say so, and offer the way out.
        const cleared = new URLSearchParams({ q: data.query });
        if (searchId) cleared.set('sid', searchId);
        section.append(el('p', {}, el('a', { href: `/search?${cleared}` },
          t('clear_filters', 'Clear filters'))));
      }
      section.append(el('ol', { className: 'results' }));
      if (!data.results.length) section.append(el('p', {}, t('no_results_hint', '')));
      const ticket = new URLSearchParams({ q: data.query });
      // The page's session, so that a ticket opened after it timed out is still its outcome.
      const session = document.querySelector('meta[name="kb-session"]')?.content;
      if (session) ticket.set('ctx', session);
      section.append(el('section', { className: 'still-stuck' },
        el('h2', {}, t('still_stuck', 'Still stuck?')),
        el('a', { className: 'button', href: `/tickets/new?${ticket}` }, t('open_ticket', 'Open a ticket'))));
    }
    const list = section.querySelector('ol.results');
    const first = (data.page - 1) * data.per_page;
    data.results.forEach((r, i) => list.append(resultItem(r, first + i + 1, searchId)));
    section.querySelector('.more-results')?.remove();
    if (data.page * data.per_page < data.total && data.page < 100) {
      const more = el('button', { type: 'button', className: 'more-results secondary' }, t('more_results', 'More results'));
      // The page after the one just shown, once: a second click while it
      // loads would ask for the page after that and lose this one.
      more.addEventListener('click', async () => {
        more.disabled = true;
        const shownBefore = list.children.length;
        if (await run(data.query, data.page + 1, true, asTyped, typing) !== 'shown') {
          more.disabled = false;
          return;
        }
        // The button is gone or moved: the keyboard continues at the first
        // new result, not at the top of the page.
        list.children[shownBefore]?.querySelector('h2 a')?.focus();
      });
      list.after(more);
    }
    section.querySelector('.pagination')?.remove();
    if (!append && data.popular && data.popular.length) {
      list.after(el('section', { className: 'popular' }, el('h2', {}, t('popular_articles', 'Popular articles')),
        el('ul', {}, ...data.popular.map((a) => el('li', {}, el('a', { href: a.url }, a.title))))));
    }
    if (!append) renderFacets(data);
  }

  // Facet chips: the same links as the server-rendered page, for this query.
  function renderFacets(data) {
    const layout = section => section.closest('.search-layout');
    const host = layout(resultsSection());
    host.querySelector('.facets')?.remove();
    const groups = [['category', data.facets.category], ['tag', data.facets.tags],
      ['lang', Object.keys(data.facets.lang || {}).length > 1 ? data.facets.lang : {}]];
    const aside = el('aside', { className: 'facets', 'aria-label': t('filters', 'Filters') });
    for (const [key, counts] of groups) {
      const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]).slice(0, 12);
      if (!entries.length) continue;
      aside.append(el('h2', {}, key === 'category' ? t('filter_category', 'Category') : key === 'tag' ? t('filter_tags', 'Tags') : t('language', 'Language')),
        el('ul', {}, ...entries.map(([name, count]) => {
          // As the server's links: filters combine, and an active one
          // takes itself off.
          const same = (v) => v.toLowerCase() === name.toLowerCase();
          const current = filters.getAll(key).some(same);
          const url = new URLSearchParams(filters);
          url.set('q', data.query);
          const others = filters.getAll(key).filter((v) => !same(v));
          url.delete(key);
          if (key === 'tag') others.forEach((v) => url.append(key, v));
          if (!current) url.append(key, name);
          if (searchId) url.set('sid', searchId);
          const lang = key === 'lang' ? name : null;
          return el('li', {}, el('a', { href: `/search?${url}`, lang, 'aria-current': current ? 'true' : null },
            key === 'category' ? categoryName(name) : lang ? languageName(name) : name), ' ',
          el('span', { className: 'count' }, String(count)));
        })));
    }
    if (aside.childElementCount) host.append(aside);
  }

  /// 'shown', 'stale' (a newer keystroke's answer wins) or 'failed' (an
  /// error status, or no answer). @p asTyped: the words as typed, never
  /// corrected (the server page's as_typed=1). @p typing: its last word,
  /// still being typed, matches as a prefix (partial=1); not after Enter.
  async function run(query, pageNumber, append, asTyped = false, typing = false) {
    const mine = ++latest;
    const params = new URLSearchParams(filters);
    params.set('q', fitQuery(query));
    if (pageNumber > 1) params.set('page', String(pageNumber));
    if (asTyped) params.set('as_typed', '1');
    const partial = typing && !/\s$/.test(query);  // a space ends the word
    if (partial) params.set('partial', '1');
    params.set('live', '1');
    try {
      const response = await fetch(`/api/search?${params}`, { credentials: 'same-origin' });
      if (mine !== latest) return 'stale';
      if (!response.ok) return 'failed';
      const data = await response.json();
      if (mine !== latest) return 'stale';
      render(data, append, asTyped, partial);
      return 'shown';
    } catch (_) {
      return mine === latest ? 'failed' : 'stale';
    }
  }

  // Suggestions count their own requests: the search that the same
  // keystrokes start 40 ms later must not make a slow suggestion answer
  // look stale (on a slow line no suggestion ever showed).
  let latestSuggestion = 0;
  async function suggest(query) {
    const mine = ++latestSuggestion;
    if (query.trim().length < 2) return closeSuggestions();
    try {
      // A language filter holds for completions too.
      const lang = filters.has('lang') ? `&lang=${encodeURIComponent(filters.get('lang'))}` : '';
      const response = await fetch(`/api/suggest?q=${encodeURIComponent(fitQuery(query))}${lang}`, { credentials: 'same-origin' });
      if (!response.ok || mine !== latestSuggestion) return;
      const data = await response.json();
      if (mine !== latestSuggestion || box.value !== query) return;
      // New items reuse the old ids: nothing is highlighted until chosen.
      box.removeAttribute('aria-activedescendant');
      // A title is in its article's language, not always the page's.
      suggestionList.replaceChildren(...data.suggestions.map((s, i) => el('li', { role: 'option', id: `kb-suggestion-${i}`,
        'data-url': s.url, 'data-kind': s.kind, lang: s.lang || null }, s.text)));
      suggestionList.hidden = data.suggestions.length === 0;
      box.setAttribute('aria-expanded', String(!suggestionList.hidden));
    } catch (_) {
      closeSuggestions();
    }
  }

  function closeSuggestions() {
    suggestionList.hidden = true;
    suggestionList.replaceChildren();
    box.setAttribute('aria-expanded', 'false');
    box.removeAttribute('aria-activedescendant');
  }

  // History: the first keystroke of a new query adds one entry; later
  // keystrokes update it, so Back returns to the query before, not to
  // every prefix typed.
  let entryForThisQuery = false;
  const startedOnHome = location.pathname === '/';
  const resultsUrl = (query) => `/search?${new URLSearchParams([...filters, ['q', fitQuery(query)]])}`;
  // The tab's title follows the query as the server's pages name it, so
  // history entries and tabs can be told apart.
  const initialTitle = document.title;
  const siteName = initialTitle.includes(' · ') ? initialTitle.slice(initialTitle.lastIndexOf(' · ') + 3) : initialTitle;
  function retitle(query) {
    const search = t('search_button', 'Search');
    if (query.trim()) document.title = `${query.trim()} – ${search} · ${siteName}`;
    else document.title = startedOnHome ? initialTitle : `${search} · ${siteName}`;
  }
  function remember(query) {
    retitle(query);
    // Typed away to nothing on the home page: the home page's own address.
    const url = !query.trim() && startedOnHome && ![...filters].length ? '/' : resultsUrl(query);
    if (entryForThisQuery) {
      history.replaceState({ q: query }, '', url);
    } else {
      history.pushState({ q: query }, '', url);
      entryForThisQuery = true;
    }
  }
  const searchSoon = debounce((query) => {
    remember(query);
    if (query.trim()) run(query, 1, false, false, true);
    else showNoQuery();
  }, 120);
  const suggestSoon = debounce(suggest, 80);

  box.addEventListener('input', () => {
    if (box.value === lastQuery) return;
    lastQuery = box.value;
    searchSoon(box.value);
    suggestSoon(box.value);
  });

  // Keyboard: Up/Down move through suggestions, then results; Enter opens;
  // Escape steps back: from a result to the box, then it closes the list,
  // then it clears the box.
  function focusables() {
    const items = [...suggestionList.querySelectorAll('li')];
    const links = [...main.querySelectorAll('.search-results .result h2 a')];
    return { items, links };
  }
  // Where the keyboard is, read from the page each time: the list can
  // change or close (a new answer, the box losing focus) between two keys.
  function position() {
    const { items, links } = focusables();
    const link = links.indexOf(document.activeElement);
    if (link >= 0) return items.length + link;
    const id = box.getAttribute('aria-activedescendant');
    return id ? items.findIndex((li) => li.id === id) : -1;
  }
  function highlight(index) {
    const { items, links } = focusables();
    const all = [...items, ...links];
    if (!all.length) return;
    const to = Math.max(-1, Math.min(index, all.length - 1));
    items.forEach((li, i) => li.setAttribute('aria-selected', String(i === to)));
    if (to < 0) {
      box.focus();
      box.removeAttribute('aria-activedescendant');
    } else if (to < items.length) {
      box.setAttribute('aria-activedescendant', items[to].id);
    } else {
      box.removeAttribute('aria-activedescendant');
      links[to - items.length].focus();
    }
  }
  document.addEventListener('keydown', (event) => {
    // Only the box and the result titles: elsewhere the arrows scroll the
    // page, and Escape is the page's own.
    const inSearch = event.target === box || focusables().links.includes(event.target);
    if (!inSearch) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      highlight(position() + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      highlight(position() - 1);
    } else if (event.key === 'Escape') {
      // Chrome's own Escape in a type=search box empties it (and fires
      // input): every step below is the only thing one Escape does.
      event.preventDefault();
      // From a result title: back to the box, the query kept.
      if (event.target !== box) {
        box.focus();
        return;
      }
      // An open list closes first (and stays closed: an answer still on its
      // way is for it); then the query clears, with its results and its
      // address, as emptying the box by hand does.
      if (!suggestionList.hidden) {
        dropSuggestions();
        return;
      }
      box.value = '';
      lastQuery = '';
      searchSoon.cancel();
      remember('');
      showNoQuery();
      box.focus();
    } else if (event.key === 'Enter' && event.target === box) {
      const { items } = focusables();
      const at = position();
      if (at >= 0 && at < items.length) {
        event.preventDefault();
        location.href = items[at].dataset.url;
      }
    }
  });
  suggestionList.addEventListener('mousedown', (event) => {
    const li = event.target.closest('li');
    if (li) location.href = li.dataset.url;
  });
  box.addEventListener('blur', () => setTimeout(closeSuggestions, 150));
  // Suggestions still to come are for typing that is over.
  function dropSuggestions() {
    suggestSoon.cancel();
    ++latestSuggestion;
    closeSuggestions();
  }
  form.addEventListener('submit', async (event) => {
    // Enter in the box: show the results here and keep them in history.
    if (!box.value.trim()) return;
    event.preventDefault();
    dropSuggestions();
    searchSoon.cancel();
    const query = box.value;
    remember(query);
    entryForThisQuery = false;  // the next typing starts a new entry
    // Refused (too many requests, no index) or offline: load the page the
    // plain form would have, which says what went wrong.
    if (await run(query, 1, false) === 'failed') location.assign(resultsUrl(query));
  });
  window.addEventListener('popstate', () => {
    entryForThisQuery = false;
    dropSuggestions();
    searchSoon.cancel();
    // The entry's own address says what it showed: the page the server
    // loaded may have been a later page, or the words as typed.
    const entry = new URLSearchParams(location.search);
    const q = entry.get('q') || '';
    box.value = q;
    retitle(q);
    lastQuery = q;
    const pageNumber = Math.max(1, Math.min(100, Number.parseInt(entry.get('page'), 10) || 1));
    if (q) run(q, pageNumber, false, entry.get('as_typed') === '1');
    else showNoQuery();
  });
}

// ---- Article pages ----------------------------------------------------------
function copyButtons() {
  document.querySelectorAll('.article-body pre').forEach((pre) => {
    const code = pre.querySelector('code');
    if (!code || !navigator.clipboard) return;
    const button = el('button', { type: 'button', className: 'copy-button secondary' }, t('copy', 'Copy'));
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(code.textContent);
        button.textContent = t('copied', 'Copied');
        setTimeout(() => { button.textContent = t('copy', 'Copy'); }, 2000);
      } catch (_) {
        // Clipboard refused (permissions): the text can still be selected.
      }
    });
    // Beside the code, not in it: inside the <pre> the button would scroll
    // sideways with the lines and land on them.
    const block = el('div', { className: 'code-block' });
    pre.classList.add('has-copy');
    pre.before(block);
    block.append(button, pre);
  });
}

function tocFollowsReader() {
  const links = new Map();
  document.querySelectorAll('.toc a[href^="#"]').forEach((a) => links.set(decodeURIComponent(a.hash.slice(1)), a));
  if (!links.size || !('IntersectionObserver' in window)) return;
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      links.forEach((a) => a.removeAttribute('aria-current'));
      links.get(entry.target.id)?.setAttribute('aria-current', 'location');
    }
  }, { rootMargin: '0px 0px -70% 0px' });
  document.querySelectorAll('.article-body .anchor[id]').forEach((anchor) => observer.observe(anchor));
}

// The contents, before the article on a phone, are folded there so that
// the article starts on the first screen (kb.css's width decides).
function tocFitsScreen() {
  const details = document.querySelector('.toc details');
  const wide = matchMedia('(min-width: 60rem)');
  const fit = () => { details.open = wide.matches; };
  if (details) {
    fit();
    wide.addEventListener('change', fit);
  }
}

function feedback() {
  const form = document.querySelector('.vote-form');
  if (!form) return;
  const slug = form.querySelector('input[name="slug"]').value;
  const section = form.closest('.feedback');
  // The thanks, and then what became of a comment, are announced from a
  // status region that is there before the vote: one inserted with its
  // text already in it is not read out. (A heading cannot be the status
  // itself: role would replace what it is.)
  const status = el('div', { role: 'status' });
  section.prepend(status);
  const post = (body) => fetch('/api/feedback', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const helpful = event.submitter ? event.submitter.value === 'yes' : true;
    let recorded = true;
    try {
      const response = await post({ slug, helpful });
      if (!response.ok) throw new Error(String(response.status));
      recorded = (await response.json()).recorded !== false;
    } catch (_) {
      // The plain form, with the button's value, which submit() leaves out.
      form.append(el('input', { type: 'hidden', name: 'helpful', value: helpful ? 'yes' : 'no' }));
      form.submit();
      return;
    }
    [...section.children].forEach((child) => { if (child !== status) child.remove(); });
    status.append(el('h2', { id: 'feedback-title' }, t('helpful_thanks', 'Thanks for your feedback.')));
    // Staff: told it is not counted, and asked for no comment (nor kept).
    if (!recorded) return status.append(el('p', {}, t('vote_not_counted', '')));
    if (!helpful) {
      const area = el('textarea', { id: 'comment', name: 'comment', rows: '3', maxlength: '2000' });
      const send = el('button', { type: 'submit' }, t('helpful_send_comment', 'Send'));
      const followup = el('form', { className: 'comment-form' },
        el('label', { for: 'comment' }, t('helpful_no_followup', 'What was missing?')), area, send);
      followup.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (area.value.trim()) await post({ slug, helpful: false, comment: area.value, followup: true }).catch(() => {});
        // The heading above already thanks them: say what happened to the comment.
        followup.remove();
        if (area.value.trim()) status.append(el('p', {}, t('comment_sent', 'Your comment was sent to the writers.')));
      });
      section.append(followup);
      area.focus();
    }
  });
}

// ---- Ticket form: suggest articles while the subject is typed ---------------
function suggestWhileTyping(form) {
  const subject = form.querySelector('#subject');
  const box = form.querySelector('.suggestions');
  const list = box && box.querySelector('.suggestion-list');
  if (!subject || !list) return;
  const reading = form.querySelector('input[name="article"]')?.value || '';
  let latest = 0;
  subject.addEventListener('input', debounce(async () => {
    const query = subject.value.trim();
    const mine = ++latest;
    if (query.length < 3) {  // an erased subject takes its suggestions with it
      box.hidden = true;
      list.replaceChildren();
      return;
    }
    try {
      // The article being read did not help: never suggest it (as the server's list).
      const params = new URLSearchParams({ context: 'ticket', per_page: '6', q: query });
      if (reading) params.set('article', reading);
      const response = await fetch(`/api/search?${params}`, { credentials: 'same-origin' });
      if (!response.ok || mine !== latest) return;
      const data = await response.json();
      if (mine !== latest) return;
      const results = data.results.filter((r) => r.slug !== reading).slice(0, 5);
      box.querySelector(':scope > p.meta')?.remove();  // the page's "nothing matches yet"
      list.replaceChildren(...results.map((r) => el('li', {},
        el('a', { href: `${r.url}?from=ticket` }, r.title),
        r.summary ? el('br') : null, r.summary ? el('span', { className: 'summary' }, r.summary) : null)));
      box.hidden = results.length === 0;
    } catch (_) {
      // The form still works without suggestions.
    }
  }, 300));
}

// ---- Agent view: copy a link, a Markdown link or a section's text ----------
function agentCopy() {
  // Without the clipboard API (plain http on an intranet) the read-only
  // fields stay for copying by hand.
  if (!navigator.clipboard) return;
  // The links were made, and signed, for the ticket of the search: that is
  // the ticket a copy is counted for, whatever the field says now. An
  // edited field is pointed out, since its ticket is in no link yet.
  const results = document.querySelector('.agent-results');
  const linkedTicket = results ? results.dataset.ticket : '';
  const field = document.getElementById('agent-ticket');
  const stale = document.getElementById('agent-ticket-stale');
  if (field && stale && results && results.children.length) {
    field.addEventListener('input', () => {
      stale.textContent = field.value.trim() === linkedTicket ? ''
        : (linkedTicket
          ? t('agent_ticket_stale', 'The links below still carry ticket {ticket}: search again to put the new ID in them.')
            .replace('{ticket}', () => linkedTicket)  // a function: '$&' in an ID stays as typed
          : t('agent_ticket_missing', 'The links below carry no ticket ID: search again to put this one in them.'));
    });
  }
  document.querySelectorAll('.agent-copy').forEach((slot) => {
    const row = slot.closest('tr');
    const slug = slot.closest('.agent-result').dataset.slug;
    const anchor = row.dataset.anchor || '';
    const copy = async (kind, button) => {
      let text = kind === 'markdown' ? slot.dataset.markdown : slot.dataset.url;
      try {
        if (kind === 'text') {
          const r = await fetch(`/api/agent/section?slug=${encodeURIComponent(slug)}&anchor=${encodeURIComponent(anchor)}`,
            { credentials: 'same-origin' });
          if (!r.ok) throw new Error(String(r.status));  // signed out: copy nothing
          text = (await r.json()).text;
        }
        await navigator.clipboard.writeText(text);
        button.textContent = t('copied', 'Copied');
        // Back to its name, so the next copy (another ticket) shows too.
        setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
        await fetch('/api/agent/copied', { method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ slug, anchor, kind, ticket: linkedTicket }) });
      } catch (_) {
        button.textContent = '!';
      }
    };
    // Each row's buttons tell a screen reader which section they copy.
    const headingCell = row.querySelector('td');
    if (headingCell && !headingCell.id) headingCell.id = `copy-${slug}-${anchor || 'top'}`;
    for (const [kind, label] of [['link', t('agent_copy_link', 'Link')], ['markdown', t('agent_copy_markdown', 'Markdown')],
      ['text', t('agent_copy_text', 'Text')]]) {
      const button = el('button', { type: 'button', className: 'secondary', 'data-label': label,
                                    'aria-describedby': headingCell ? headingCell.id : null }, label);
      button.addEventListener('click', () => copy(kind, button));
      slot.append(button);
    }
    row.querySelectorAll('input[readonly]').forEach((input) => { input.hidden = true; });
  });
}

// ---- Live preview (kb-server --watch): reload when the index changes -------
function liveReload() {
  const article = document.querySelector('[data-watch-revision]');
  if (!article) return;
  const shown = article.dataset.watchRevision;
  setInterval(async () => {
    try {
      const r = await fetch('/api/revision', { cache: 'no-store' });
      if (r.ok && String((await r.json()).revision) !== shown) location.reload();
    } catch (_) { /* the server restarts: try again */ }
  }, 700);
}

instantSearch();
liveReload();
agentCopy();
copyButtons();
tocFitsScreen();
tocFollowsReader();
feedback();
const ticketForm = document.querySelector('.ticket-form');
if (ticketForm) suggestWhileTyping(ticketForm);
