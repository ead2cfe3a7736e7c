() => {
    // A page opened on a lesson shows the bar in presenter mode too (see assets/style.css).
    if (new URLSearchParams(window.location.search).has('lesson'))
        document.body.classList.add('pg-lesson');
    if (window.pgLessonKeys) return;
    window.pgLessonKeys = true;
    document.addEventListener('keydown', (event) => {
        if (!event.altKey) return;
        const id = {ArrowRight: 'lesson-next', ArrowLeft: 'lesson-back'}[event.key];
        const button = id && document.getElementById(id);
        if (button) { event.preventDefault(); button.click(); }
    });
}
