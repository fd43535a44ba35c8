// The search page's one script: Pagefind's search() API behind a plain form.
// Same-origin files only, no inline code or styles; results are built as DOM nodes, never as HTML strings.
const form = document.querySelector("form.search-form"); // none when there are no posts
const input = form?.querySelector("input[name=q]");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const SHOWN = 20; // results listed at most; the status line gives the total
let pagefind = null;
let latest = 0; // a newer query makes an older one's late results irrelevant

async function engine() {
  if (pagefind === null) {
    const module = await import(form.dataset.index);
    await module.options({ baseUrl: form.dataset.base });
    // The other parts of the index (search_index.index_parts): one Pagefind bundle each, searched as one.
    for (const bundle of JSON.parse(form.dataset.merge || "[]")) {
      await module.mergeIndex(bundle, { baseUrl: form.dataset.base });
    }
    await module.init();
    pagefind = module;
  }
  return pagefind;
}

// Pagefind's excerpt is HTML with <mark> around the words found: keep that text and those marks, nothing else.
function excerpt(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html").body;
  const paragraph = document.createElement("p");
  paragraph.className = "summary";
  for (const node of parsed.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      paragraph.append(mark);
    } else {
      paragraph.append(document.createTextNode(node.textContent));
    }
  }
  return paragraph;
}

function item(data) {
  const li = document.createElement("li");
  li.className = "post-item";
  const heading = document.createElement("h2");
  heading.className = "post-item-title";
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  heading.append(link);
  li.append(heading);
  if (data.meta.date) {
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = data.meta.date;
    li.append(meta);
  }
  li.append(excerpt(data.excerpt));
  return li;
}

async function run(query) {
  const id = ++latest;
  query = query.trim();
  if (query === "") {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  try {
    const found = await (await engine()).search(query);
    const shown = await Promise.all(found.results.slice(0, SHOWN).map((result) => result.data()));
    if (id !== latest) return;
    list.replaceChildren(...shown.map(item));
    const count = found.results.length;
    status.textContent = count === 0 ? `No posts found for “${query}”.`
      : `${count} ${count === 1 ? "post" : "posts"} found for “${query}”` + (count > SHOWN ? `, the first ${SHOWN} shown.` : ".");
  } catch (error) {
    if (id !== latest) return;
    status.textContent = "Search could not load. Every post is listed below, and by tag.";
    console.error(error);
  }
}

let timer = 0;

function start() {
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value), 150);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set("q", input.value);
    history.replaceState(null, "", url);
    run(input.value);
  });
  form.hidden = false;
  document.querySelector(".search-nojs").hidden = true;
  const asked = new URLSearchParams(location.search).get("q");
  if (asked) {
    input.value = asked;
    run(asked);
  }
}

if (form) start();
