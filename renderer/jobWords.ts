/** The job words live in shared/ so Electron's notifications say what the page says. */
export * from '../shared/jobWords';
