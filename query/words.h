/*
 * words.h — what the query side knows about words beyond the analyzer,
 * shared by more-like-this (suggest.c) and the term contrasts of trends
 * (trends.c) so that both leave out the same words.  Internal to query/.
 */
#ifndef PL_WORDS_H
#define PL_WORDS_H

#include <stddef.h>

/* English function words, folded and unstemmed, in strcmp order: the
 * Snowball English stop list (its contractions left out) and the adverbs,
 * modals and abbreviations of talk abstracts (`already`, `thus`, `e.g`).
 * The analyzer keeps most of them for search (`will`, `no`, `how to`); a
 * document is never about them and a change in their use is style, not
 * topic. */
extern const char *const pl_function_words[];
extern const size_t pl_function_words_n;

/* 1 if the folded surface s[0..n) is one of pl_function_words (binary
 * search, O(log 180)). */
int pl_is_function_word(const char *s, size_t n);

#endif
