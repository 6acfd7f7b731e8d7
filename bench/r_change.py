"""R code shared by the change benchmarks (bench/change.py, bench/series_change.py).

Both stack two rounds labelled ``a`` (from) and ``b`` (to) in a data frame ``d`` with a
``district`` column and answer ``b − a`` per district as R ``survey`` would (docs/design.md §10).
"""

R_CONTRASTS = r"""
contrasts <- function(b) {
  lapply(sort(unique(d$district)), function(x) {
    k <- setNames(rep(0, length(coef(b))), names(coef(b)))
    k[paste("a", x, sep = ".")] <- -1
    k[paste("b", x, sep = ".")] <- 1
    svycontrast(b, k)
  })
}
"""
"""``contrasts(b)``: one ``svycontrast`` per district of a ``svyby(~y, ~round + district, …,
covmat = TRUE)`` table (or its calibrated equivalent below)."""

R_CALIBRATED = r"""
calibrated <- function(des, margins) {
  cols <- character(0)
  for (i in seq_len(nrow(margins))) {
    m <- margins[i, ]
    name <- paste0(".cal", i)
    v <- des$variables
    des$variables[[name]] <- as.numeric(v$round == m$round & v[[m$variable]] == m$category)
    cols <- c(cols, name)
  }
  f <- as.formula(paste("~", paste(cols, collapse = " + "), "- 1"))
  calibrate(des, f, population = setNames(margins$total, cols), calfun = "raking", epsilon = 1e-10)
}
by_round_district <- function(des, estimate) {
  g <- paste(des$variables$round, des$variables$district, sep = ".")
  levels <- sort(unique(g))
  fits <- lapply(levels, function(lv) estimate(des[g == lv, ]))
  infl <- sapply(fits, function(fit) attr(fit, "influence"))
  v <- svyrecvar(infl, des$cluster, des$strata, des$fpc, postStrata = des$postStrata)
  structure(sapply(fits, coef), names = levels, var = v, statistic = "mean", class = "svystat")
}
"""
"""``calibrated(des, margins)``: the stack raked with each round's margins crossed by round
(``margins``: a data frame of ``round, variable, category, total``, the first category of every
margin after a round's first dropped); ``by_round_district(des, estimate)``: what
``svyby(covmat = TRUE)`` computes, from each (round, district) estimate's influence functions
and ``svyrecvar`` on the calibrated stack (survey 4.1.1's ``svyby`` fails on calibrated
designs); ``estimate(sub)`` must pass ``influence = TRUE``."""
