// Progressive enhancement of the availability calendar: each open day's
// select becomes one button that moves to the next choice when activated
// (unavailable, possible, preferred, then round again). The select stays in
// the form, hidden, so the form posts exactly what it posts without script.
(function () {
  'use strict';
  var order = ['unavailable', 'possible', 'preferred'];
  var names = { unavailable: 'Unavailable', possible: 'Possible', preferred: 'Preferred' };
  // Narrow screens show the short words (the button's label stays whole).
  var short = { unavailable: 'No', possible: 'Poss.', preferred: 'Pref.' };
  var selects = document.querySelectorAll('select.day-level');
  if (!selects.length) {
    return;
  }
  // One polite live region tells screen reader users what a press did.
  var status = document.createElement('p');
  status.className = 'visually-hidden';
  status.setAttribute('aria-live', 'polite');
  document.querySelector('.calendar-form').appendChild(status);

  selects.forEach(function (select) {
    if (select.disabled) {
      return;
    }
    var cell = select.closest('td');
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'day-toggle';
    function show() {
      var value = select.value;
      button.innerHTML = '';
      var full = document.createElement('span');
      full.className = 'level-long';
      full.textContent = names[value];
      var brief = document.createElement('span');
      brief.className = 'level-short';
      brief.textContent = short[value];
      button.appendChild(full);
      button.appendChild(brief);
      button.setAttribute('aria-label', select.dataset.long + ': ' + names[value] + '. Activate to change.');
      cell.className = cell.className.replace(/\blevel-[a-z]+/, 'level-' + value);
    }
    button.addEventListener('click', function () {
      var next = (order.indexOf(select.value) + 1) % order.length;
      select.value = order[next];
      show();
      status.textContent = select.dataset.long + ': ' + names[select.value];
    });
    select.hidden = true;
    var label = cell.querySelector('label');
    if (label) {
      label.setAttribute('aria-hidden', 'true');
    }
    select.insertAdjacentElement('afterend', button);
    show();
  });
})();
