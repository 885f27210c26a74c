/* The polynomial features of a design's columns (README "Models"): the terms and basis a
 * solve asks for, with the map of each raw column to [-1, 1] taken from a model or from the
 * data's global bounds. */
#ifndef WSHARE_DESIGN_FEATURES_H
#define WSHARE_DESIGN_FEATURES_H

#include "wshare/design.h"

/* Collective over comm: the features of des's raw columns for src's degree, terms and basis
 * into *out.  A basis other than monomial maps each raw column with src's bounds when given
 * (they must have one entry per raw column), else with the column's minimum and maximum over
 * the rows of all ranks (one allreduce).  path names the data file in messages. */
WsErr ws_design_features_create(const WsDesign *des, const WsDesignSource *src, const char *path,
                                MPI_Comm comm, WsFeatures **out);

#endif
