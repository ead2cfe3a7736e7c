// Open the step's accordion if it is closed, press its demo button once it is visible, then
// outline the control that matters and scroll it into view (an earlier outline is removed).
(target) => {
    let job = {};
    try { job = JSON.parse(target || '{}'); } catch (e) { return target; }
    const started = Date.now();
    const visible = (el) => el && el.offsetParent !== null;
    const openAccordion = () => {
        const box = job.opens && document.getElementById(job.opens);
        const label = box && box.querySelector('.label-wrap');
        if (label && !label.classList.contains('open')) label.click();
    };
    // The outline is a style rule for the control's id, not a class on it: Gradio rewrites a
    // component's classes when it updates. One scroll, never more: a page that kept scrolling
    // itself while results arrive would fight the person (and their clicks).
    const point = () => {
        let style = document.getElementById('pg-lesson-pointer');
        if (!style) {
            style = document.createElement('style');
            style.id = 'pg-lesson-pointer';
            document.head.appendChild(style);
        }
        style.textContent = job.point ? '#' + job.point + ' { outline: 4px solid #f39c12 '
            + '!important; outline-offset: 3px; border-radius: 8px; }' : '';
        const el = job.point && document.getElementById(job.point);
        if (!el) return;
        el.scrollIntoView({block: 'center'});
    };
    if (job.key) window.pgLessonStep = {key: job.key, point: job.point};  // for SHOTS_JS
    const go = () => {
        const button = job.press && document.getElementById(job.press);
        if (job.press && !visible(button)) {
            openAccordion();
            if (Date.now() - started < 30000) { setTimeout(go, 100); return; }
        }
        if (visible(button)) button.click();
        setTimeout(point, 150);
    };
    setTimeout(() => { openAccordion(); go(); }, 50);
    return target;
}
