// Rehab-FHIR clinician app: small progressive enhancements; every page works without them.
(function () {
  'use strict';
  // CSRF token on htmx requests (Spring Security checks it on every POST)
  document.addEventListener('htmx:configRequest', function (event) {
    var header = document.querySelector('meta[name="_csrf_header"]');
    var token = document.querySelector('meta[name="_csrf"]');
    if (header && token) { event.detail.headers[header.content] = token.content; }
  });

  // Questionnaire enableWhen: items carry data-enable-when='[{"question":"q1","operator":"=","answer":"true"}]'
  // and data-enable-behavior (all|any). Disabled items are hidden and their inputs disabled (not submitted).
  function answerOf(linkId) {
    var inputs = document.querySelectorAll('[data-link-id="' + linkId + '"] input, [data-link-id="' + linkId + '"] select');
    var values = [];
    inputs.forEach(function (i) {
      if (i.disabled) { return; }
      if (i.type === 'radio' || i.type === 'checkbox') { if (i.checked) { values.push(i.value); } }
      else if (i.value !== '') { values.push(i.value); }
    });
    return values;
  }
  function holds(cond) {
    var values = answerOf(cond.question);
    if (cond.operator === 'exists') { return (values.length > 0) === (String(cond.answer) === 'true'); }
    return values.some(function (v) {
      var a = String(cond.answer), n = parseFloat(v), m = parseFloat(a);
      switch (cond.operator) {
        case '=': return v === a;
        case '!=': return v !== a;
        case '>': return n > m; case '<': return n < m; case '>=': return n >= m; case '<=': return n <= m;
        default: return false;
      }
    }) || (cond.operator === '!=' && values.length === 0);
  }
  function refresh() {
    document.querySelectorAll('[data-enable-when]').forEach(function (item) {
      var conds = JSON.parse(item.getAttribute('data-enable-when'));
      var any = item.getAttribute('data-enable-behavior') === 'any';
      var on = any ? conds.some(holds) : conds.every(holds);
      item.hidden = !on;
      item.querySelectorAll('input, select, textarea').forEach(function (i) { i.disabled = !on; });
    });
  }
  document.addEventListener('change', refresh);
  document.addEventListener('DOMContentLoaded', refresh);
  document.addEventListener('htmx:afterSwap', refresh);
})();
