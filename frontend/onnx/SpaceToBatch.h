// TensorFlow's atrous convolution as exporters write it: space_to_batch
// (zero padding, then the spatial grid split into block x block phases moved
// into the batch), a plain convolution on the phases, and batch_to_space
// (the phases interleaved back, then cropped). It is one dilated
// convolution: dilation block * inner dilation, with the padding of the
// space_to_batch plus block * the inner conv's padding.
//
// Recognition is by meaning, not by spelling: the Conv's input is a view
// (ViewMap.h) whatever node sequence built it (Pad/Reshape/Transpose/Reshape
// as TensorFlow defines space_to_batch_nd, or Transpose/SpaceToDepth as
// tf2onnx writes it), and that view's index map is compared with
// space_to_batch of the view's source for each block shape that fits. The
// dilated conv's output is then handed on as a view laid out as the phase
// conv's output, so that the batch_to_space chain after it (in any
// spelling) reduces to a crop of the dilated conv at its consumer.
#pragma once

#include "frontend/onnx/Importer.h"

namespace atrous::onnx_import {

// Converts the current Conv node, whose input 0 is a view. Throws (through
// the importer) when the view is not a space_to_batch of its source.
void convertSpaceToBatchConv(Importer &im);

} // namespace atrous::onnx_import
