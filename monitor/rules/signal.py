"""A learned signal beside the word lists: a word-level model for abuse and safeguarding.

Five labelled sets, each written blind by someone who had not seen the
lists, showed the same thing: however the lists are widened, a new set's
safeguarding messages are phrased in ways no list holds, and the lists find
under half of them on its first run. A model that weighs every word of a
message generalises further: trained on four of the sets, it alone found 0.67
of the fifth set's safeguarding messages (with the lists, 0.79 instead of
0.40) and 0.73 of its abuse (with the lists, 0.87 instead of 0.69).

The model is a logistic regression over the TF-IDF weights of the words of
an item and of its pairs of adjacent words ("walk home", "no coat": a pair
tells a fair complaint from a worry where its words alone cannot), trained
by ``scripts/train_signal.py`` (scikit-learn, at training time only) and
shipped as ``config/lists/learned_signal.json``: per term, its idf and
coefficient. Scoring is plain Python: the item's distinct terms weighted by
their idf (a term counts once, however often it is written), the vector's
length normalised, a dot product and a sigmoid. No model is downloaded;
nothing runs but this module.

A word model is surer of some things than others, so its findings alert and
never hide (``Hit.hide`` is False): a parent's fair complaint it misreads
costs the DSL or SLT a glance, not a hidden comment. The lists' findings
keep their actions.
"""

from __future__ import annotations

import base64
import binascii
import math
import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise

from monitor.models import Hit, Severity
from monitor.rules.normalise import NormalisedText, normalise

#: the rules the signal scores for, in the model file's order
RULES = ("abuse", "safeguarding")
#: a score over its rule's is a finding (leave-one-set-out over 59 sets: safeguarding
#: at 0.55 finds 0.921 of what no training set showed it, for 0.912 at 0.6, at a benign
#: rate of 0.036 for 0.034; a missed safeguarding message is the worst failure)
THRESHOLDS = {"abuse": 0.6, "safeguarding": 0.55}
#: the one-letter words the model knows: chat's, "u r", "i"; other single letters are
#: what is left of "don't" or a word spelt out ("A S S E S S M E N T" is no words)
ONE_LETTER_WORDS = frozenset("aiurx")
#: the fewest distinct words the model knows that a text needs for it to be scored
MIN_WORDS = 4
#: how much of the text a finding quotes
_QUOTED = 300


class _Term:
    """One term of the model: its share of the vector's length and of the abuse and
    safeguarding dot products; a word's, also the pairs it begins. (A class, not a
    tuple: compiled, its numbers are read as they are stored, and a term is its own
    key in a set.)"""

    __slots__ = ("abuse", "following", "length", "safeguarding")

    def __init__(self, length: float, abuse: float, safeguarding: float) -> None:
        self.length = length
        self.abuse = abuse
        self.safeguarding = safeguarding
        self.following: dict[str, _Term] | None = None


def terms(text: NormalisedText) -> tuple[list[str], list[str]]:
    """The words of ``text`` (its letters view's, in order: single letters too, which
    the model does not know unless they are ``ONE_LETTER_WORDS``) and its pairs of
    adjacent words ("no coat"). Training reads texts through this too
    (``training_terms``), so both see the same terms."""
    words = text.letters().split()
    return words, _adjacent(words)


def _adjacent(words: list[str]) -> list[str]:
    """Each two adjacent words, a space between."""
    return list(map(" ".join, pairwise(words)))


def training_terms(text: str) -> list[str]:
    """``terms`` of a raw text as one list, the tokens a vectoriser is trained on: the
    single letters but ``ONE_LETTER_WORDS`` left out of the words."""
    words, pairs = terms(normalise(text))
    return [w for w in words if len(w) > 1 or w in ONE_LETTER_WORDS] + pairs


class LearnedSignal:
    """Scores texts with the shipped model. ``score`` and ``hit`` never raise.

    ``model`` is the parsed ``learned_signal.json``; raises ``ValueError`` if it is
    not one.
    """

    def __init__(self, model: Mapping[str, object], *, threshold: float | None = None) -> None:
        """``threshold``, where given, is both rules' (else the model's, else
        ``THRESHOLDS``)."""
        try:
            rules = model["rules"]
            intercepts = model["intercepts"]
            assert isinstance(rules, list) and isinstance(intercepts, list)
            words = _rows(model, len(rules))
            order = [rules.index(rule) for rule in RULES]
            self._intercepts = tuple(float(intercepts[i]) for i in order)
            # Per term: its idf squared (its share of the vector's length) and idf
            # times each rule's coefficient (its share of each dot product); a word's
            # term holds the pairs it begins too ("no" -> "coat" -> the pair's term):
            # one lookup per word gives the word's numbers and where its pair with the
            # next is found, and scoring never joins two words into a string. A word
            # known only as a pair's first has a length share of 0.
            self._terms: dict[str, _Term] = {}
            pairs: dict[str, dict[str, _Term]] = {}
            canonical: dict[str, str] = {}
            for term, row in words:
                idf = float(row[0])
                numbers = _Term(
                    idf * idf,
                    idf * float(row[1 + order[0]]),
                    idf * float(row[1 + order[1]]),
                )
                first, _, second = str(term).partition(" ")
                if second:
                    # (one string per word, however many pairs it ends: 33,000 pairs
                    # end in far fewer words, and each copy would cost 50 bytes)
                    second = canonical.setdefault(second, second)
                    pairs.setdefault(first, {})[second] = numbers
                else:
                    self._terms[first] = numbers
            for word, following in pairs.items():
                known = self._terms.get(word)
                if known is None:
                    known = self._terms[word] = _Term(0.0, 0.0, 0.0)
                known.following = following
            limits = model.get("thresholds", THRESHOLDS)
            assert isinstance(limits, Mapping)
            #: per rule, the score over which a text is a finding
            self.thresholds = {
                rule: float(limits[rule] if threshold is None else threshold) for rule in RULES
            }
        except (KeyError, TypeError, ValueError, IndexError, AssertionError, binascii.Error) as err:
            raise ValueError(f"not a learned-signal model: {type(err).__name__} {err}") from None

    def score(self, text: NormalisedText, rule: str) -> float:
        """The model's probability that ``text`` is a ``rule`` finding (0 to 1)."""
        return text.cached(self, self._scores)[RULES.index(rule)]

    def _scores(self, text: NormalisedText) -> tuple[float, float]:
        """Both rules' probabilities, in ``RULES`` order."""
        # The terms of terms(), read in one plain loop that mypyc compiles (a set
        # intersection and a sum per number cost twice as much): a word's row holds
        # the pairs it begins, so a pair costs no lookup of its first word.
        table = self._terms
        length = dot_a = dot_s = 0.0
        known = 0
        seen: set[str] = set()
        paired: set[_Term] = set()  # (a term is its own key: nothing is built per pair)
        following: dict[str, _Term] | None = None
        for word in text.letters().split():
            if following is not None:
                pair = following.get(word)
                # (a term counts once, however often it is written)
                if pair is not None and pair not in paired:
                    paired.add(pair)
                    length += pair.length
                    dot_a += pair.abuse
                    dot_s += pair.safeguarding
            term = table.get(word)
            if term is None:
                following = None
            else:
                following = term.following
                if term.length > 0.0 and word not in seen:
                    seen.add(word)
                    known += 1
                    length += term.length
                    dot_a += term.abuse
                    dot_s += term.safeguarding
        if known < MIN_WORDS:
            return (0.0, 0.0)  # too few words to weigh: one word would decide alone
        norm = math.sqrt(length) if length else 1.0
        return (
            _sigmoid(self._intercepts[0] + dot_a / norm),
            _sigmoid(self._intercepts[1] + dot_s / norm),
        )

    def hit(self, text: NormalisedText, rule: str, severity: Severity) -> Hit | None:
        """A finding for ``rule`` over the whole text if its score passes the threshold."""
        p = self.score(text, rule)
        if p <= self.thresholds[rule]:
            return None
        # The whole text is the span; an email quotes the first of it.
        end = min(len(text.original), _QUOTED)
        return Hit(
            rule=rule,
            severity=severity,
            start=0,
            end=end,
            match=text.original[:end],
            normalised=text.fold_diacritics().text,
            entry=f"learned signal ({p:.2f}): the wording is like {rule} messages",
            hide=False,
        )


def _rows(model: Mapping[str, object], rules: int) -> Iterator[tuple[str, Sequence[float]]]:
    """Each term of the model with its idf and coefficients.

    The file holds the terms as one string, ``|`` between them (a pair of words
    holds a space), and the numbers as one block of doubles (base64): parsed,
    that is two objects, not a list per term, and leaves no thousands of freed
    small objects behind in the daemon's memory.
    """
    words = model["words"]
    encoded = model["weights"]
    assert isinstance(words, str) and isinstance(encoded, str)
    weights = array("d")
    weights.frombytes(base64.b64decode(encoded, validate=True))
    if sys.byteorder != "little":
        weights.byteswap()
    names = words.split("|") if words else []
    width = 1 + rules
    if len(weights) != width * len(names):
        raise ValueError(f"{len(names)} words but {len(weights)} weights")
    for index, word in enumerate(names):
        yield word, weights[index * width : (index + 1) * width]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0
