/* words.c — the English function words of words.h. */
#include "words.h"

#include <stdlib.h>
#include <string.h>

const char *const pl_function_words[] = {
    "a",       "about",   "above",    "across",     "after",      "again",   "against", "all",
    "almost",  "already", "also",     "although",   "always",     "am",      "among",   "an",
    "and",     "another", "any",      "are",        "around",     "as",      "at",      "be",
    "because", "been",    "before",   "being",      "below",      "between", "both",    "but",
    "by",      "can",     "cannot",   "could",      "did",        "do",      "does",    "doing",
    "down",    "during",  "e.g",      "each",       "eg",         "either",  "etc",     "even",
    "ever",    "every",   "few",      "for",        "from",       "further", "had",     "has",
    "have",    "having",  "he",       "hence",      "her",        "here",    "hers",    "herself",
    "him",     "himself", "his",      "how",        "however",    "i",       "i.e",     "ie",
    "if",      "in",      "into",     "is",         "it",         "its",     "itself",  "just",
    "like",    "many",    "may",      "me",         "might",      "more",    "most",    "much",
    "must",    "my",      "myself",   "neither",    "never",      "no",      "nor",     "not",
    "now",     "of",      "off",      "often",      "on",         "once",    "only",    "or",
    "other",   "ought",   "our",      "ours",       "ourselves",  "out",     "over",    "own",
    "per",     "perhaps", "quite",    "rather",     "same",       "several", "shall",   "she",
    "should",  "since",   "so",       "some",       "still",      "such",    "than",    "that",
    "the",     "their",   "theirs",   "them",       "themselves", "then",    "there",   "therefore",
    "these",   "they",    "this",     "those",      "though",     "through", "thus",    "to",
    "too",     "toward",  "towards",  "under",      "until",      "up",      "upon",    "us",
    "various", "very",    "via",      "vs",         "was",        "we",      "well",    "were",
    "what",    "when",    "where",    "whether",    "which",      "while",   "who",     "whom",
    "why",     "will",    "with",     "within",     "without",    "would",   "yet",     "you",
    "your",    "yours",   "yourself", "yourselves",
};
const size_t pl_function_words_n = sizeof pl_function_words / sizeof pl_function_words[0];

static int cmp_str(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

int pl_is_function_word(const char *s, size_t n)
{
    char w[16]; /* longer than every listed word */
    if (n >= sizeof w)
        return 0;
    memcpy(w, s, n);
    w[n] = '\0';
    return bsearch(w, pl_function_words, pl_function_words_n, sizeof pl_function_words[0],
                   cmp_str) != NULL;
}
