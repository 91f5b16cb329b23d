// Sorts the page's rows by a column (click again to reverse), kept in the address (#sort=e0, #sort=name-desc) so a
// sorted page can be shared and reloaded; marks pending results stalled once the page is old enough (the message
// is the element's data-stalled-text).
const tb = document.querySelector('#rows tbody');
function sortBy(k, desc) {
  const v = r => {
    const x = r.dataset[k];
    return k === 'name' ? x : (x === '' || x === undefined ? Infinity : parseFloat(x));
  };
  const d = desc ? -1 : 1;
  [...tb.rows].sort((a, b) => { const x = v(a), y = v(b); return (x < y ? -1 : x > y ? 1 : 0) * d; })
    .forEach(r => tb.appendChild(r));
  document.querySelectorAll('#rows th[data-key]')
    .forEach(th => th.dataset.dir = th.dataset.key === k ? (desc ? 'desc' : 'asc') : '');
}
document.querySelectorAll('#rows th[data-key]').forEach(th => th.addEventListener('click', () => {
  const desc = th.dataset.dir === 'asc';
  sortBy(th.dataset.key, desc);
  history.replaceState(null, '', '#sort=' + th.dataset.key + (desc ? '-desc' : ''));
}));
const m = /^#sort=([a-z0-9]+?)(-desc)?$/.exec(location.hash);
if (m && document.querySelector('#rows th[data-key="' + m[1] + '"]')) sortBy(m[1], !!m[2]);
for (const e of document.querySelectorAll('[data-stalled-after]'))
  if (Date.now() > Date.parse(e.dataset.stalledAfter)) { e.className = 'err'; e.textContent = e.dataset.stalledText; }
