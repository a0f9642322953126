// Package exam runs a trainee through scenarios picked at random, their
// names hidden: the selection (reproducible from a seed), the exam's state
// between cases, and its report (JSON and a self-contained HTML page).
// It is pure: bringing labs up and waiting for the trainee is the CLI's.
package exam
