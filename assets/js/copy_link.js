// The query string becomes a full URL, is shown, and is copied when the browser allows it.
(query) => {
    if (!query) return query;
    const url = window.location.origin + window.location.pathname + query;
    if (navigator.clipboard && window.isSecureContext)
        navigator.clipboard.writeText(url).catch(() => {});
    return url;
}
