// The header search box needs JavaScript: show it, and hide the link to the topic index that stands in for it.
(function (box) {
  box.querySelector("form").hidden = false;
  box.querySelector(".search-fallback").hidden = true;
})(document.currentScript.parentNode);
