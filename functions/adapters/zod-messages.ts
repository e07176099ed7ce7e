import { config } from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini ships without messages: every issue reads "Invalid input". The handlers' errors (a
// malformed event or queue message, a provider's unexpected answer) quote zod's English ones, so
// each handler imports this module first; importing `locales` through zod/mini's namespace
// would bundle every language.
config(en());
