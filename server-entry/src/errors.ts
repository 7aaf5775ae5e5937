/** The three ways a call can fail without the session being lost. */
/** Strapi could not be reached or answered 5xx/429: the session is kept; try again. */
export class StrapiUnavailableError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'StrapiUnavailableError';
  }
}

/** Strapi answers in a way this entry cannot work with: the message names the fix. */
export class StrapiConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrapiConfigError';
  }
}

/**
 * The access token has expired and this context cannot write cookies (a server component):
 * refreshing here would rotate a token the browser never receives. Refresh in middleware
 * (`refreshIfNeeded()`) before rendering; the session is kept.
 */
export class RefreshNeededError extends Error {
  constructor() {
    super('The access token has expired and cookies cannot be written here: call refreshIfNeeded() in middleware before rendering');
    this.name = 'RefreshNeededError';
  }
}
