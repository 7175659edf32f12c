"""The stages run in order for a file and the files it imports: ``frontend`` drives them,
``cache`` keeps each file's preprocessed, parsed and lowered result for the process, ``timing``
counts the seconds spent in each stage for the compile benchmark."""
