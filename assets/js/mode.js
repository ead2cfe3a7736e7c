(on) => { document.body.classList.toggle('pg-presenter', !!on); return on; }
