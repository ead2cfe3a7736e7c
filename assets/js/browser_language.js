(ignored) => navigator.language || ''
