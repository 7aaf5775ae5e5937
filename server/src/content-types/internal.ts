/** What every content type of this plugin shares: no drafts, and hidden from the Content Manager and the builder. */
export const internal = {
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
} as const;
