// Runs in the browser: flips the body classes the CSS keys on, and returns its inputs unchanged.
(v) => { document.body.classList.toggle('pg-simple', v === 'Simple'); return v; }
