import { validateOn } from './helpers/validation.js';

validateOn('postgresql');
