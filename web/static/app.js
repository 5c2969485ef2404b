// Karton's pages work without JavaScript; this only helps: it checks a
// JMBG as it is typed (13 digits, a real date, the mod-11 check digit, as
// the server does), moves the focus to the messages of a form sent back,
// and reloads a page that waits for the registries.
(function () {
  // The messages are the page's, in its language: data-len, data-date and
  // data-check on the message's element, %d replaced in order.
  function say(out, key, args) {
    var m = (out && out.getAttribute("data-" + key)) || key;
    (args || []).forEach(function (a) { m = m.replace("%d", a); });
    return m;
  }
  function checkJMBG(s, out) {
    if (!/^[0-9]+$/.test(s)) return null; // a name: nothing to check
    if (s.length !== 13) return say(out, "len", [s.length]);
    var d = s.split("").map(Number);
    var day = d[0] * 10 + d[1], month = d[2] * 10 + d[3], yyy = d[4] * 100 + d[5] * 10 + d[6];
    var year = yyy < 800 ? 2000 + yyy : 1000 + yyy;
    var dt = new Date(Date.UTC(year, month - 1, day));
    if (month < 1 || month > 12 || dt.getUTCDate() !== day || dt.getUTCMonth() !== month - 1) return say(out, "date");
    var w = [7, 6, 5, 4, 3, 2], sum = 0;
    for (var i = 0; i < 6; i++) sum += w[i] * (d[i] + d[i + 6]);
    var r = sum % 11, k = (r === 0 || r === 1) ? 0 : 11 - r;
    if (k !== d[12]) return say(out, "check", [d[12], k]);
    return "";
  }
  document.querySelectorAll("input[data-jmbg]").forEach(function (input) {
    var out = document.getElementById(input.getAttribute("aria-describedby"));
    input.addEventListener("input", function () {
      var msg = checkJMBG(input.value.trim(), out);
      if (!out) return;
      if (msg === null) { out.textContent = ""; out.className = ""; return; }
      out.textContent = msg || out.getAttribute("data-ok");
      out.className = msg ? "bad" : "good";
      input.setCustomValidity(msg && input.required ? msg : "");
    });
  });
  // A form sent back with messages: its summary takes the focus, so that
  // a screen reader reads it and Tab goes on to the first field at fault.
  var summary = document.querySelector("[data-focus]");
  if (summary) summary.focus();
  var wait = document.querySelector("[data-reload]");
  if (wait) setTimeout(function () { location.reload(); }, 1000 * Number(wait.getAttribute("data-reload")));
})();
