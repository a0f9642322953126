// Package training is the trainee's loop around a running lab: check (which
// symptoms remain, never their cause), progressive hints drawn from the
// diagnosis engine's verdict, answers graded against the scenario the lab
// was started with, and a score. The trainee's state is kept with the lab
// (a JSON file under the lab's state directory, keyed by the lab id), so it
// survives between commands and goes with the lab.
//
// The scenario's name is never shown: hints are built from the verdict
// alone, and any occurrence of the name is scrubbed from them.
package training
