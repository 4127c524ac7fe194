/**
 * Where the card's backend is: the service's PUBLIC_BASE_URL. The project export
 * (`npm run cli -- app-config --base-url URL`) writes this file with the URL it is given; the
 * value here only keeps the card buildable and testable in this repository.
 */
export const BASE_URL = 'https://example.invalid';
