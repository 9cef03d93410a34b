// Kemitraan: small enhancements; every page works without this file.
//
// 1. A form marked data-upload-progress shows how much of its file has been
//    sent (a large import over a slow line takes minutes).
// 3. A button marked data-copy="id" (hidden without this file) copies the
//    value of the field id, e.g. a confirmation link to paste elsewhere.
// 2. An element marked data-poll="ms" is refreshed from its page every ms
//    milliseconds while it is there (an import's progress); when the page no
//    longer has it (the import has ended), the page is loaded again whole.
(function () {
  "use strict";

  function uploadProgress(form) {
    var box = form.querySelector(".upload-progress");
    var bar = box && box.querySelector("progress");
    var label = box && box.querySelector("[data-upload-percent]");
    if (!bar || !window.FormData || !window.XMLHttpRequest) {
      return;
    }
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files || input.files.length === 0) {
        return; // nothing to send: the server answers with its error summary
      }
      event.preventDefault();
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) {
        data.append(event.submitter.name, event.submitter.value);
      }
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      box.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var pct = Math.floor((e.loaded * 100) / e.total);
          bar.value = pct;
          bar.textContent = pct + "%";
          label.textContent = pct + "%";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== form.action) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        box.hidden = true;
        form.submit();
      });
      xhr.send(data);
    });
  }

  function poll(el) {
    var every = parseInt(el.getAttribute("data-poll"), 10) || 2000;
    var tick = function () {
      fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, "text/html").getElementById(el.id);
          if (!next || !next.hasAttribute("data-poll")) {
            window.location.reload();
            return;
          }
          el.innerHTML = next.innerHTML;
          window.setTimeout(tick, every);
        })
        .catch(function () { window.setTimeout(tick, every * 2); });
    };
    window.setTimeout(tick, every);
  }

  function copyButton(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || button.textContent;
      });
    });
  }

  document.querySelectorAll("form[data-upload-progress]").forEach(uploadProgress);
  document.querySelectorAll("button[data-copy]").forEach(copyButton);
  document.querySelectorAll("[data-poll][id]").forEach(poll);
})();
