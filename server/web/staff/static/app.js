// Insideout web app: small additions to pages that work without this script.
// Live "new posts" and notification counts from the streaming API, "load more" without
// leaving the page, a character counter, and keyboard shortcuts. No framework, no build.
"use strict";

(function () {
  const STREAM_PATHS = { "user": "user", "public:local": "public/local" };

  function streamUrl(name) {
    if (STREAM_PATHS[name]) return "/api/v1/streaming/" + STREAM_PATHS[name];
    if (name.startsWith("hashtag:")) return "/api/v1/streaming/hashtag?tag=" + encodeURIComponent(name.slice(8));
    if (name.startsWith("list:")) return "/api/v1/streaming/list?list=" + encodeURIComponent(name.slice(5));
    return null;
  }

  // The page's words in the reader's language (``data-texts``, from server/web/staff/i18n.py); English
  // if a page has none. Counted texts are [one, other] with %(num)s for the count.
  const ENGLISH = {
    newPosts: ["Show %(num)s new post", "Show %(num)s new posts"],
    newNotifications: ["Show %(num)s new notification", "Show %(num)s new notifications"],
    unread: ["Notifications, %(num)s new", "Notifications, %(num)s new"],
    suggestions: "Suggestions",
    suggestionsFound: ["%(num)s suggestion, use the arrow keys", "%(num)s suggestions, use the arrow keys"],
    image: "Image", close: "Close", noDescription: "No description",
  };
  let texts = ENGLISH;
  try { texts = Object.assign({}, ENGLISH, JSON.parse(document.body.dataset.texts || "{}")); } catch (e) { /* English */ }

  function t(key, count) {
    const text = texts[key];
    if (!Array.isArray(text)) return text;
    return text[count === 1 ? 0 : 1].replace("%(num)s", String(count));
  }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  async function fetchPage(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return parse(await response.text());
  }

  // --- live updates -------------------------------------------------------
  function liveUpdates() {
    const name = document.body.dataset.stream;
    const notificationsLink = document.querySelector("a[data-notifications]");
    const url = name ? streamUrl(name) : "/api/v1/streaming/user/notification";
    if (!url || !window.EventSource) return;
    const feed = document.querySelector("[data-feed]");
    const bar = document.querySelector(".new-posts");
    const button = document.querySelector("[data-new-posts]");
    const seen = new Set(Array.from(document.querySelectorAll("article.status")).map((a) => a.dataset.id));
    let waiting = 0;
    let unread = notificationsLink ? Number(notificationsLink.dataset.unread) || 0 : 0;  // the server's count
    const source = new EventSource(url);
    source.addEventListener("update", (event) => {
      let status;
      try { status = JSON.parse(event.data); } catch (e) { return; }
      if (!feed || !bar || seen.has(status.id)) return;
      seen.add(status.id);
      waiting += 1;
      button.textContent = t("newPosts", waiting);
      bar.hidden = false;
    });
    source.addEventListener("notification", () => {
      if (!notificationsLink) return;
      unread += 1;
      let count = notificationsLink.querySelector(".badge-count");
      if (!count) {
        count = document.createElement("span");
        count.className = "badge-count";
        notificationsLink.append(" ", count);
      }
      count.textContent = "(" + unread + ")";
      notificationsLink.setAttribute("aria-label", t("unread", unread));
      if (document.body.dataset.page === "notifications" && bar) {
        button.textContent = t("newNotifications", unread);
        bar.hidden = false;
      }
    });
    if (button) {
      button.addEventListener("click", async () => {
        const fresh = await fetchPage(location.pathname + location.search.replace(/[?&]max_id=\d+/, ""));
        const newFeed = fresh.querySelector("[data-feed]");
        if (newFeed && feed) {
          feed.replaceChildren(...Array.from(newFeed.children).map((n) => document.importNode(n, true)));
        }
        waiting = 0;
        bar.hidden = true;
        const first = feed && feed.querySelector("article");
        if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
      });
    }
  }

  // --- load more ------------------------------------------------------------
  function loadMore() {
    const feed = document.querySelector("[data-feed]");
    if (!feed) return;
    let loading = false;
    async function more(link) {
      if (loading) return;
      loading = true;
      try {
        const next = await fetchPage(link.href);
        const items = next.querySelectorAll("[data-feed] > *");
        const firstNew = items[0];
        items.forEach((item) => feed.append(document.importNode(item, true)));
        const nextLink = next.querySelector("a[data-more]");
        if (nextLink) { link.href = nextLink.getAttribute("href"); } else { link.closest("nav").remove(); }
        if (firstNew) {
          const added = feed.querySelector("#" + CSS.escape(firstNew.id));
          if (added && document.activeElement === link) { added.setAttribute("tabindex", "-1"); added.focus(); }
        }
      } catch (e) {
        // The link still works as a plain link.
      } finally {
        loading = false;
      }
    }
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-more]");
      if (!link) return;
      event.preventDefault();
      more(link);
    });
    const link = document.querySelector("a[data-more]");
    if (link && window.IntersectionObserver && !window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      new IntersectionObserver((entries) => {
        const current = document.querySelector("a[data-more]");
        if (current && entries.some((e) => e.isIntersecting)) more(current);
      }, { rootMargin: "400px" }).observe(link.closest("nav"));
    }
  }

  // --- character counter ----------------------------------------------------
  function counters() {
    document.querySelectorAll("textarea[data-max]").forEach((area) => {
      const form = area.closest("form");
      const counter = form && form.querySelector("[data-counter]");
      if (!counter) return;
      const max = Number(area.dataset.max);
      const update = () => { counter.textContent = String(max - area.value.length); };
      area.addEventListener("input", update);
      update();
    });
  }

  // --- keyboard shortcuts ---------------------------------------------------
  function shortcuts() {
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target;
      if (target.closest("input, textarea, select, [contenteditable]")) {
        if (event.key === "Escape") target.blur();
        return;
      }
      const posts = Array.from(document.querySelectorAll("article.status"));
      const current = document.activeElement && document.activeElement.closest("article.status");
      const index = current ? posts.indexOf(current) : -1;
      let next = null;
      if (event.key === "j") next = posts[Math.min(index + 1, posts.length - 1)];
      else if (event.key === "k") next = posts[Math.max(index - 1, 0)];
      else if (event.key === "n") {
        const box = document.querySelector("#compose-text");
        if (box) { event.preventDefault(); box.focus(); }
        return;
      } else if (event.key === "f" && current) {
        const button = current.querySelector("button.favourite");
        if (button) button.click();
        return;
      } else if (event.key === "o" && current) {
        const link = current.querySelector("a.time");
        if (link) link.click();
        return;
      }
      if (next) {
        event.preventDefault();
        next.setAttribute("tabindex", "-1");
        next.focus();
      }
    });
  }

  // --- mention and hashtag suggestions ---------------------------------------
  function suggestions() {
    document.querySelectorAll("textarea[data-suggest]").forEach((area, n) => {
      const list = document.createElement("ul");
      list.id = "suggestions-" + n;
      list.className = "suggestions";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", t("suggestions"));
      list.hidden = true;
      const status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      area.after(list, status);
      area.setAttribute("aria-controls", list.id);
      area.setAttribute("aria-autocomplete", "list");
      let items = [];
      let active = -1;
      let asked = "";
      let timer = null;

      function word() {
        const before = area.value.slice(0, area.selectionStart);
        const match = /(^|\s)([@#][\w.@-]{1,60})$/.exec(before);
        return match ? match[2] : null;
      }
      function close() {
        list.hidden = true;
        list.replaceChildren();
        items = [];
        active = -1;
        area.removeAttribute("aria-activedescendant");
      }
      function highlight(index) {
        active = index;
        Array.from(list.children).forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
        if (index >= 0) area.setAttribute("aria-activedescendant", list.id + "-" + index);
      }
      function choose(index) {
        const chosen = items[index];
        const current = word();
        if (!chosen || !current) return close();
        const start = area.selectionStart - current.length;
        area.value = area.value.slice(0, start) + chosen.insert + " " + area.value.slice(area.selectionStart);
        area.selectionStart = area.selectionEnd = start + chosen.insert.length + 1;
        area.dispatchEvent(new Event("input"));
        close();
        area.focus();
      }
      async function ask(term) {
        asked = term;
        let found = [];
        try {
          const response = await fetch("/compose/suggestions?q=" + encodeURIComponent(term),
            { credentials: "same-origin", headers: { "Accept": "application/json" } });
          if (response.ok) found = await response.json();
        } catch (e) { found = []; }
        if (asked !== term || word() !== term) return;
        items = found;
        list.replaceChildren(...found.map((item, i) => {
          const li = document.createElement("li");
          li.id = list.id + "-" + i;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          li.textContent = item.detail ? item.label + " " + item.detail : item.label;
          li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
          return li;
        }));
        list.hidden = found.length === 0;
        status.textContent = found.length ? t("suggestionsFound", found.length) : "";
        highlight(found.length ? 0 : -1);
      }
      area.addEventListener("input", () => {
        const term = word();
        clearTimeout(timer);
        if (!term || term.length < 2) return close();
        timer = setTimeout(() => ask(term), 150);
      });
      area.addEventListener("keydown", (event) => {
        if (list.hidden || !items.length) return;
        if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
        else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
        else if (event.key === "Enter" || event.key === "Tab") { event.preventDefault(); choose(active); }
        else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); }
      });
      area.addEventListener("blur", () => setTimeout(close, 150));
    });
  }

  // --- media viewer ------------------------------------------------------------
  // An image opens full size in a modal dialog with its description; Escape or the button closes it
  // and focus goes back to the image's link. Without the script the link opens the file.
  function mediaViewer() {
    if (!window.HTMLDialogElement) return;
    const dialog = document.createElement("dialog");
    dialog.className = "viewer";
    dialog.setAttribute("aria-label", t("image"));
    const figure = document.createElement("figure");
    const image = document.createElement("img");
    const caption = document.createElement("figcaption");
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = t("close");
    figure.append(image, caption);
    dialog.append(close, figure);
    document.body.append(dialog);
    let opener = null;
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
    dialog.addEventListener("close", () => { if (opener) opener.focus(); });
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-viewer]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      opener = link;
      const thumbnail = link.querySelector("img");
      image.src = link.href;
      image.alt = thumbnail ? thumbnail.alt : "";
      caption.textContent = image.alt || t("noDescription");
      dialog.showModal();
      close.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    mediaViewer();
    liveUpdates();
    loadMore();
    counters();
    shortcuts();
    suggestions();
  });
})();
