// Search page: queries the Pagefind index written by the build; shows title, date and excerpt per brief.
// Works under a sub-path: the form carries the bundle's URL and the site's base URL.
const form = document.querySelector(".search-form");
const status = document.querySelector(".search-status");
const list = document.querySelector(".search-results");
const more = document.querySelector(".search-more");
const PAGE = 10;

function say(text, link) {
  status.textContent = text;
  if (link) {
    status.append(" ");
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text;
    status.append(a);
  }
}

// Pagefind excerpts are escaped text with <mark> around the hits; rebuild them as nodes so nothing
// else in them can become markup.
function excerptNodes(excerpt) {
  const out = [];
  // A detached textarea decodes entities without ever creating elements.
  const decoder = document.createElement("textarea");
  let marked = false;
  for (const part of String(excerpt || "").split(/(<\/?mark>)/)) {
    if (part === "<mark>") { marked = true; continue; }
    if (part === "</mark>") { marked = false; continue; }
    decoder.innerHTML = part;
    const text = decoder.value;
    if (!text) continue;
    if (marked) {
      const m = document.createElement("mark");
      m.textContent = text;
      out.push(m);
    } else {
      out.push(document.createTextNode(text));
    }
  }
  return out;
}

function resultItem(data) {
  const li = document.createElement("li");
  li.className = "search-result";
  const h = document.createElement("h2");
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = (data.meta && data.meta.title) || data.url;
  h.append(a);
  li.append(h);
  if (data.meta && data.meta.date) {
    const p = document.createElement("p");
    p.className = "meta";
    p.textContent = data.meta.date;
    li.append(p);
  }
  const ex = document.createElement("p");
  ex.className = "excerpt";
  ex.append(...excerptNodes(data.excerpt));
  li.append(ex);
  return li;
}

function read() {
  const data = new FormData(form);
  const q = String(data.get("q") || "").trim();
  const filters = {};
  for (const key of ["topic", "story"]) {
    const value = data.get(key);
    if (value) filters[key] = value;
  }
  return { q, filters, sort: data.get("sort") === "newest" ? { date: "desc" } : undefined };
}

function remember() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

async function main() {
  document.querySelector(".search-nojs").hidden = true;
  const params = new URLSearchParams(location.search);
  for (const el of form.elements) {
    if (el.name && params.has(el.name)) el.value = params.get(el.name);
  }
  form.hidden = false;
  let pagefind;
  try {
    pagefind = await import(`${form.dataset.bundle}pagefind.js`);
    await pagefind.options({ basePath: form.dataset.bundle, baseUrl: form.dataset.base, excerptLength: 30 });
  } catch (err) {
    form.hidden = true;
    say("The search index is missing from this copy of the site.",
        { href: `${form.dataset.base}topics/`, text: "Browse the briefs by topic instead." });
    return;
  }

  let shown = [];
  let run = 0;
  // Back from a result: the results shown then (after "Show more") and the scroll position come back
  const back = history.state && history.state.shown ? history.state : null;
  if (back) history.scrollRestoration = "manual";  // restored below, once the results are in again
  const keep = () => history.replaceState({ shown: shown.length, y: window.scrollY }, "", location.href);
  window.addEventListener("pagehide", keep);
  list.addEventListener("click", keep);
  // `focus`: the reader asked for more; take them to the first new result, as the button may now be gone
  // (focus would fall back to the page) and a screen reader would not hear that anything was added.
  async function showMore(results, mine, focus = false, count = PAGE) {
    const next = results.slice(shown.length, shown.length + count);
    const items = await Promise.all(next.map((r) => r.data()));
    if (mine !== run) return;
    const added = items.map(resultItem);
    list.append(...added);
    shown = shown.concat(next);
    more.hidden = shown.length >= results.length;
    if (focus && added.length) added[0].querySelector("a").focus();
  }

  let current = [];
  async function search(restore = null) {
    const mine = ++run;
    const { q, filters, sort } = read();
    if (!restore) remember();
    list.replaceChildren();
    more.hidden = true;
    shown = [];
    if (!q && !Object.keys(filters).length) {
      say("");
      return;
    }
    say("Searching…");
    const found = await pagefind.search(q || null, { filters, sort });
    if (mine !== run || !found) return;
    current = found.results;
    const what = q ? `for “${q}”` : "with these filters";
    if (!current.length) {
      say(`No briefs found ${what}.`, { href: `${form.dataset.base}topics/`, text: "Browse the topics." });
      return;
    }
    await showMore(current, mine, false, restore ? Math.max(PAGE, restore.shown) : PAGE);
    if (mine !== run) return;
    say(`${current.length} brief${current.length === 1 ? "" : "s"} found ${what}.`);
    if (restore) window.scrollTo(0, restore.y || 0);
  }

  let timer;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
  more.querySelector("button").addEventListener("click", () => showMore(current, run, true));
  if (params.toString()) await search(back);
}

main();
