import { randomInt, randomUUID } from 'node:crypto';

const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'dapper', 'eager', 'fancy',
  'gentle', 'glad', 'grand', 'happy', 'honest', 'humble', 'jolly', 'keen', 'kind', 'lively',
  'lucky', 'merry', 'mighty', 'nimble', 'noble', 'polite', 'proud', 'quick', 'quiet', 'rare',
  'shy', 'smart', 'sunny', 'swift', 'tidy', 'unique', 'vivid', 'warm', 'wise', 'zealous',
];

const ANIMALS = [
  'ant', 'ape', 'bass', 'bat', 'bear', 'bee', 'bird', 'boar', 'cat', 'cod',
  'colt', 'crab', 'crow', 'deer', 'doe', 'dove', 'duck', 'eel', 'elk', 'fox',
  'frog', 'gnat', 'goat', 'hare', 'hawk', 'hen', 'jay', 'kite', 'lamb', 'lark',
  'lynx', 'mole', 'moth', 'mule', 'newt', 'owl', 'pug', 'ram', 'seal', 'shrew',
  'slug', 'snail', 'squid', 'stag', 'swan', 'toad', 'trout', 'wasp', 'whale', 'wolf',
];

/**
 * A run name in MLflow's style, `<adjective>-<animal>-<0..1000>`, at most 20 characters (MLflow
 * draws again up to ten times, then truncates; these lists always fit).
 */
export function generateRunName(): string {
  for (let i = 0; i < 10; i++) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${ANIMALS[randomInt(ANIMALS.length)]}-${randomInt(1001)}`;
    if (name.length <= 20) return name;
  }
  return `${ADJECTIVES[0]}-${ANIMALS[0]}-${randomInt(1001)}`.slice(0, 20);
}

/** A run id as MLflow makes one: a uuid4 in hex without dashes. */
export function generateRunId(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * An experiment id as MLflow's FileStore makes one (`_generate_unique_integer_id`): the last 18
 * decimal digits of a uuid4's integer, with each leading zero replaced by a random digit appended at
 * the end, so the id always has 18 digits and no leading zero.
 */
export function generateExperimentId(): string {
  const uuidInt = BigInt('0x' + randomUUID().replace(/-/g, ''));
  let digits = uuidInt.toString().slice(-18);
  const zeros = /^0*/.exec(digits)![0].length;
  for (let i = 0; i < zeros; i++) digits += String(randomInt(10));
  return digits.slice(zeros);
}
