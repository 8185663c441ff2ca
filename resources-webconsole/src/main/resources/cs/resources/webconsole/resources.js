/*
 * The Resources page's script: refreshes the tables in place (the server renders and escapes
 * them; this only swaps them in) and sends the cancel, pause and resume forms, and the pools'
 * resize and evict forms, without leaving the page. What is typed into a pool's fields survives
 * the refresh. No library, nothing fetched but this console's own URLs.
 */
(function () {
  'use strict';
  var page = document.getElementById('cs-resources');
  if (!page) {
    return;
  }
  var root = page.getAttribute('data-plugin-root');
  var token = page.getAttribute('data-token');
  var seconds = parseInt(page.getAttribute('data-refresh'), 10) || 0;
  var sections = document.getElementById('cs-resources-sections');
  var status = document.getElementById('cs-resources-status');
  var message = document.getElementById('cs-resources-message');
  var busy = false;

  // The 24-hour clock, as the tables show times (toLocaleTimeString gave "10:22:05 PM" beside them).
  function clock(d) {
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  function say(text) {
    status.textContent = text;
  }

  // What became of the last action, done or refused and why: it stays until the next action (the
  // refresh that follows an action must not wipe it out, as it did).
  function tell(text, refused) {
    message.textContent = text;
    message.className = 'cs-message ' + (refused ? 'cs-refused ui-state-error' : 'cs-done ui-state-highlight');
    message.hidden = false;
  }

  function refresh() {
    if (busy) {
      return Promise.resolve();
    }
    busy = true;
    return fetch(root + '.fragment', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        // What is typed into the pools' fields, and which one has the focus, survive the swap.
        var kept = [];
        var focused = null;
        Array.prototype.forEach.call(sections.querySelectorAll('input.cs-keep'), function (input) {
          var key = input.getAttribute('data-key');
          if (input.value !== '') {
            kept.push([key, input.value]);
          }
          if (input === document.activeElement) {
            focused = key;
          }
        });
        sections.innerHTML = html;
        var byKey = function (key) {
          return Array.prototype.find.call(sections.querySelectorAll('input.cs-keep'), function (input) {
            return input.getAttribute('data-key') === key;
          });
        };
        kept.forEach(function (k) {
          var input = byKey(k[0]);
          if (input) {
            input.value = k[1];
          }
        });
        if (focused !== null && byKey(focused)) {
          byKey(focused).focus();
        }
        // The console's own styling of tables and buttons (its support.js, Web Console 4 and 5),
        // which it applied once at load, for the new ones.
        if (typeof window.initStaticWidgets === 'function') {
          window.initStaticWidgets(sections);
        }
        say('updated ' + clock(new Date()));
      })
      .catch(function (e) {
        say('refresh failed: ' + e.message);
      })
      .then(function () {
        busy = false;
      });
  }

  sections.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains('cs-action')) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector('button');
    var what = form.querySelector('input[name=action]').value;
    if (button) {
      button.disabled = true;
    }
    fetch(root, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRF-Token': token },
      body: new URLSearchParams(new FormData(form))
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            throw new Error(body.error || ('HTTP ' + response.status));
          }
          var pool = body.resized || body.evicted;
          if (pool) {
            var bound = function (n) { return n === 0 ? 'none' : n; };
            tell(body.resized
              ? 'Resized pool ' + pool.serviceId + ' ' + pool.name + ': cap ' + bound(pool.maxTotal) + ', max idle '
                + bound(pool.maxSize)
              : 'Evicted all objects of pool ' + pool.serviceId + ' ' + pool.name + ': ' + pool.inUse
                + ' in use will be disposed of when returned', false);
            form.reset(); // done: the refresh must not put the typed values back
            return;
          }
          var done = body.cancelled || body.paused || body.resumed || [];
          var verb = body.cancelled ? 'Cancelled ' : body.paused ? 'Paused ' : 'Resumed ';
          tell(verb + done.map(function (r) { return r.id + ' ' + r.name + ' (' + r.state + ')'; }).join(', '), false);
        });
      })
      .catch(function (e) {
        tell(what.charAt(0).toUpperCase() + what.slice(1) + ' refused: ' + e.message, true);
      })
      .then(refresh);
  });

  if (seconds > 0) {
    setInterval(refresh, seconds * 1000);
  }
})();
