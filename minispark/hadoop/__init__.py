"""Hadoop file formats: SequenceFiles and the Hadoop input/output format methods.

writables.py (how keys and values become bytes), sequencefile.py (Hadoop's
SequenceFile, written and read), formats.py (saveAsSequenceFile,
saveAsHadoopFile, sc.sequenceFile, sc.hadoopFile ... over those two and text),
writer.py (part files and their commit, for saveAsTextFile and the formats alike).
"""
