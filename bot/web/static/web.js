/* The chat without full page loads, and the copy button. Everything works without this
   file (plain forms); it only swaps the page in place. No dependencies, ES5 for older
   Android WebViews and WeChat's browser. */
(function () {
  "use strict";

  function copyFrom(id, button) {
    var area = document.getElementById(id);
    if (!area) { return; }
    var text = area.value;
    function done() {
      var note = button.parentNode.querySelector(".copied");
      if (note) { note.hidden = false; setTimeout(function () { note.hidden = true; }, 2500); }
    }
    function fallback() {
      var details = area.closest ? area.closest("details") : null;
      var wasOpen = details ? details.open : true;
      if (details) { details.open = true; }
      area.focus(); area.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      if (details && !wasOpen) { details.open = false; }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  function wireCopy(root) {
    var buttons = root.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (event) {
        copyFrom(event.currentTarget.getAttribute("data-copy"), event.currentTarget);
      });
    }
  }

  var pressed = null; // the submit button last pressed (older browsers lack event.submitter)
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.tagName === "BUTTON" && target.type === "submit") { pressed = target; }
  }, true);

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.getElementById("main");
    if (!main) { return false; }
    document.getElementById("main").innerHTML = main.innerHTML;
    var footer = doc.querySelector("footer.bottom");
    if (footer) { document.querySelector("footer.bottom").innerHTML = footer.innerHTML; }
    document.title = doc.title;
    wireCopy(document);
    var chat = document.getElementById("chat");
    if (chat) { chat.scrollIntoView({ block: "start" }); }
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.fetch || !window.DOMParser || form.method.toLowerCase() !== "post") { return; }
    event.preventDefault();
    var data = [];
    for (var i = 0; i < form.elements.length; i++) {
      var field = form.elements[i];
      if (field.name && field.tagName === "INPUT") {
        data.push(encodeURIComponent(field.name) + "=" + encodeURIComponent(field.value));
      }
    }
    var submitter = event.submitter || pressed;
    if (submitter && submitter.name && form.contains(submitter)) {
      data.push(encodeURIComponent(submitter.name) + "=" + encodeURIComponent(submitter.value));
    }
    var controls = form.querySelectorAll("button, input");
    for (var j = 0; j < controls.length; j++) { controls[j].disabled = true; }
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: data.join("&")
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      if (!swap(html)) { form.submit(); return; }
      var input = document.getElementById("text");
      if (input && submitter === null) { input.focus(); }
    }).catch(function () {
      form.submit(); // the network failed under us: fall back to a plain form post
    });
    pressed = null;
  });

  wireCopy(document);
})();
