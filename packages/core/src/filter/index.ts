export { compareCodePoints } from './compare.js';
export { compareRows, matchesFilter, resolveField } from './evaluate.js';
export { asciiLower, likeMatches, likeToRegExp, validateLikePattern } from './like.js';
export { FIELD_OPERATORS, LOGICAL_OPERATORS, MATCH_ALL, MAX_IN_VALUES, parseFilter } from './parse.js';
export type { Comparator, FieldRef, Filter, FilterNode, OrderBy, Scalar } from './types.js';
